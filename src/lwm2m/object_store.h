#pragma once
// What an LwM2M client serves: object instances and their resource values, with the
// operations of objects.h enforced. The client core (lwm2m_client.h) turns CoAP requests into
// calls here; the device's own code sets values and supplies what an Execute does.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lwm2m/link_format.h"
#include "lwm2m/value.h"

namespace tml::lwm2m {

/// A failed operation as CoAP says it: code = class * 100 + detail (404, 405, 400, 500, ...).
struct OpError {
  int code;
  std::string message;
};
template <typename T>
using OpResult = tl::expected<T, OpError>;
inline tl::unexpected<OpError> OpFail(int code, std::string message) {
  return tl::unexpected<OpError>(OpError{code, std::move(message)});
}

class ObjectStore {
 public:
  using ExecuteFn = std::function<OpResult<void>(std::string_view arguments)>;
  using WriteFn = std::function<void(const Record&)>;

  /// Creates an instance of an object of objects.h (no values yet).
  void AddInstance(uint16_t object, uint16_t instance);
  void RemoveInstance(uint16_t object, uint16_t instance);
  /// Sets a resource value (depth 3) or a resource instance (depth 4), creating the instance.
  void Set(const Path& path, Value value);
  /// What Execute on /O/I/R does.
  void OnExecute(const Path& resource, ExecuteFn fn);
  /// Called after the server writes a value (e.g. a Package URI to act on).
  void OnWrite(WriteFn fn);
  /// Lets the server Create instances of `object` (core spec 5.4.5): `on_create` fills the new
  /// instance's values before the Create's own values are written; `on_delete` may refuse a
  /// Delete. Objects without one refuse both (4.05).
  using CreateFn = std::function<void(uint16_t instance)>;
  using DeleteFn = std::function<OpResult<void>(uint16_t instance)>;
  void OnCreate(uint16_t object, CreateFn on_create, DeleteFn on_delete);

  /// Called after any value or instance changed (outside the store's lock, on the thread that
  /// changed it): what wakes the client's observations.
  void OnChange(std::function<void()> fn);

  /// The registration's object list: </O/I> per instance (the Security object is never listed).
  std::vector<Link> Links() const;
  /// The readable values at or below `path` (depth 1..4).
  OpResult<std::vector<Record>> Read(const Path& path) const;
  /// Writes values at or below `path`; each resource must be writable and of its type.
  OpResult<void> Write(const Path& path, const std::vector<Record>& records);
  OpResult<void> Execute(const Path& path, std::string_view arguments);
  /// Create: a new instance of `object` (the id the records name, else the lowest free one)
  /// with `records` written into it; returns its id.
  OpResult<uint16_t> Create(uint16_t object, const std::vector<Record>& records);
  /// Delete of an instance /O/I.
  OpResult<void> Delete(const Path& path);
  /// Discover (core spec 5.4.2): links for `path` (object or instance) and the resources
  /// under it that the device has; multiple resources carry dim=<instances>.
  OpResult<std::vector<Link>> Discover(const Path& path) const;
  /// The value at a path, if set.
  std::optional<Value> Get(const Path& path) const;

 private:
  mutable std::mutex mutex_;
  std::set<std::pair<uint16_t, uint16_t>> instances_;
  std::map<Path, Value> values_;
  std::map<Path, ExecuteFn> executes_;
  std::vector<WriteFn> on_write_;
  std::map<uint16_t, std::pair<CreateFn, DeleteFn>> creatable_;
  std::function<void()> on_change_;

  void Changed();
};

}  // namespace tml::lwm2m
