#pragma once
// Observe (RFC 7641) as LwM2M 1.1 uses it, socket-free: the notification attributes a server
// writes with Write-Attributes (core spec 5.1.1: pmin, pmax, gt, lt, st), which of them apply
// to a path (a resource's own, else its instance's, else its object's, else the Server
// object's defaults), and whether an observation is due a notification now. The client core
// (lwm2m_client.cc) keeps the observations and sends what this decides.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lwm2m/content_format.h"
#include "lwm2m/value.h"

namespace tml::lwm2m {

struct NotificationAttributes {
  std::optional<int64_t> pmin;  ///< seconds: no notification sooner than this after the last one
  std::optional<int64_t> pmax;  ///< seconds: a notification at least this often, changed or not
  std::optional<double> gt;     ///< notify when a numeric value crosses above/below this
  std::optional<double> lt;
  std::optional<double> st;     ///< notify when a numeric value moved by at least this
  bool operator==(const NotificationAttributes&) const = default;
  /// Each attribute this one lacks taken from `base`.
  NotificationAttributes Over(const NotificationAttributes& base) const;
};

/// A Write-Attributes query ("pmin=10&pmax=60&gt=5.5"): what it sets, and the attributes it
/// names without a value, which it removes. Unknown or malformed attributes are an error
/// naming them; so is pmax below pmin, or lt + 2*st not below gt (the spec's conditions).
struct AttributeUpdate {
  NotificationAttributes set;
  std::vector<std::string> cleared;
};
Lwm2mResult<AttributeUpdate> ParseAttributeQuery(std::string_view query);
/// The query of an update, attributes in a fixed order ("pmin=1&pmax=30&st").
std::string FormatAttributeQuery(const AttributeUpdate& update);

/// The attributes written to each path (depth 1..3) by the server.
class AttributeStore {
 public:
  /// Fails when the result breaks the spec's conditions (kept as it was).
  Lwm2mResult<void> Apply(const Path& path, const AttributeUpdate& update);
  /// What applies at `path`: the deepest level that sets each attribute wins over `defaults`.
  NotificationAttributes Effective(const Path& path, const NotificationAttributes& defaults) const;
  /// The attributes written at exactly `path` (Discover shows them).
  NotificationAttributes At(const Path& path) const;
  void Clear() { attributes_.clear(); }

 private:
  std::map<Path, NotificationAttributes> attributes_;
};

/// One observation the server made: its token, what it observes and what it was last sent.
struct Observation {
  Bytes token;
  Path path;
  ContentFormat format = ContentFormat::kSenmlJson;
  double last_sent = 0;  ///< seconds on the caller's monotonic clock
  Bytes last_payload;
  std::optional<double> last_number;  ///< the value last sent, when `path` is one numeric resource
};

/// The value at `records` as a number, when it is exactly one numeric record (gt/lt/st apply).
std::optional<double> NumberOf(const std::vector<Record>& records);

/// Whether `observation` is due a notification at `now`, its path now reading as `payload`
/// (`number` when numeric), under `attributes`: never before pmin; always at pmax; otherwise
/// when the value changed, and for a numeric value with gt/lt/st only when it crossed gt or lt
/// or moved by st since the last notification.
bool NotificationDue(const Observation& observation, const NotificationAttributes& attributes, double now,
                     const Bytes& payload, std::optional<double> number);

}  // namespace tml::lwm2m
