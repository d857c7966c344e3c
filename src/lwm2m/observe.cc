#include "lwm2m/observe.h"

#include <charconv>
#include <cmath>

namespace tml::lwm2m {
namespace {

template <typename T>
std::optional<T> Parse(std::string_view text) {
  T value{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::string FormatNumber(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  char text[32];
  std::snprintf(text, sizeof(text), "%.17g", v);
  return text;
}

/// The spec's conditions on a set of attributes (core spec 5.1.1.1).
Lwm2mResult<void> Check(const NotificationAttributes& a) {
  if (a.pmin && a.pmax && *a.pmax < *a.pmin) {
    return Lwm2mFail("pmax (" + std::to_string(*a.pmax) + ") must not be below pmin (" + std::to_string(*a.pmin) + ")");
  }
  if (a.st && *a.st <= 0) return Lwm2mFail("st must be greater than 0");
  if (a.gt && a.lt && !(*a.lt < *a.gt)) return Lwm2mFail("lt must be below gt");
  if (a.gt && a.lt && a.st && !(*a.lt + 2 * *a.st < *a.gt)) return Lwm2mFail("lt + 2*st must be below gt");
  return {};
}

}  // namespace

NotificationAttributes NotificationAttributes::Over(const NotificationAttributes& base) const {
  NotificationAttributes out = *this;
  if (!out.pmin) out.pmin = base.pmin;
  if (!out.pmax) out.pmax = base.pmax;
  if (!out.gt) out.gt = base.gt;
  if (!out.lt) out.lt = base.lt;
  if (!out.st) out.st = base.st;
  return out;
}

Lwm2mResult<AttributeUpdate> ParseAttributeQuery(std::string_view query) {
  AttributeUpdate update;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    const std::string name(item.substr(0, eq));
    if (name != "pmin" && name != "pmax" && name != "gt" && name != "lt" && name != "st") {
      return Lwm2mFail("'" + name + "' is not a notification attribute (pmin, pmax, gt, lt, st)");
    }
    if (eq == std::string_view::npos) {
      update.cleared.push_back(name);
      continue;
    }
    const std::string_view text = item.substr(eq + 1);
    if (name == "pmin" || name == "pmax") {
      auto seconds = Parse<int64_t>(text);
      if (!seconds || *seconds < 0) return Lwm2mFail(name + "='" + std::string(text) + "' is not a number of seconds");
      (name == "pmin" ? update.set.pmin : update.set.pmax) = *seconds;
    } else {
      auto number = Parse<double>(text);
      if (!number || !std::isfinite(*number)) return Lwm2mFail(name + "='" + std::string(text) + "' is not a number");
      (name == "gt" ? update.set.gt : name == "lt" ? update.set.lt : update.set.st) = *number;
    }
  }
  if (auto ok = Check(update.set); !ok) return tl::unexpected(ok.error());
  return update;
}

std::string FormatAttributeQuery(const AttributeUpdate& update) {
  std::string out;
  auto add = [&out](const std::string& item) { out += (out.empty() ? "" : "&") + item; };
  const NotificationAttributes& a = update.set;
  if (a.pmin) add("pmin=" + std::to_string(*a.pmin));
  if (a.pmax) add("pmax=" + std::to_string(*a.pmax));
  if (a.gt) add("gt=" + FormatNumber(*a.gt));
  if (a.lt) add("lt=" + FormatNumber(*a.lt));
  if (a.st) add("st=" + FormatNumber(*a.st));
  for (const std::string& name : update.cleared) add(name);
  return out;
}

Lwm2mResult<void> AttributeStore::Apply(const Path& path, const AttributeUpdate& update) {
  if (path.depth < 1 || path.depth > 3) return Lwm2mFail("attributes are written to an object, an instance or a resource");
  NotificationAttributes next = update.set.Over(At(path));
  for (const std::string& name : update.cleared) {
    if (name == "pmin") next.pmin.reset();
    if (name == "pmax") next.pmax.reset();
    if (name == "gt") next.gt.reset();
    if (name == "lt") next.lt.reset();
    if (name == "st") next.st.reset();
  }
  if ((next.gt || next.lt || next.st) && path.depth != 3) {
    return Lwm2mFail("gt, lt and st apply to a numeric resource, not to " + path.ToString());
  }
  if (auto ok = Check(next); !ok) return ok;
  if (next == NotificationAttributes{}) attributes_.erase(path);
  else attributes_[path] = next;
  return {};
}

NotificationAttributes AttributeStore::At(const Path& path) const {
  auto it = attributes_.find(path);
  return it == attributes_.end() ? NotificationAttributes{} : it->second;
}

NotificationAttributes AttributeStore::Effective(const Path& path, const NotificationAttributes& defaults) const {
  NotificationAttributes out;
  for (uint8_t depth = std::min<uint8_t>(path.depth, 3); depth >= 1; --depth) {
    Path level = path;
    level.depth = depth;
    out = out.Over(At(level));
  }
  return out.Over(defaults);
}

std::optional<double> NumberOf(const std::vector<Record>& records) {
  if (records.size() != 1) return std::nullopt;
  const Value& v = records.front().value;
  if (auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  if (auto* u = std::get_if<uint64_t>(&v)) return static_cast<double>(*u);
  if (auto* d = std::get_if<double>(&v)) return *d;
  return std::nullopt;
}

bool NotificationDue(const Observation& observation, const NotificationAttributes& attributes, double now,
                     const Bytes& payload, std::optional<double> number) {
  const double since = now - observation.last_sent;
  if (attributes.pmin && since < static_cast<double>(*attributes.pmin)) return false;
  if (attributes.pmax && *attributes.pmax > 0 && since >= static_cast<double>(*attributes.pmax)) return true;
  if (payload == observation.last_payload) return false;
  const bool thresholds = attributes.gt || attributes.lt || attributes.st;
  if (!thresholds || !number || !observation.last_number) return true;
  const double before = *observation.last_number, after = *number;
  if (attributes.gt && ((before <= *attributes.gt) != (after <= *attributes.gt))) return true;
  if (attributes.lt && ((before < *attributes.lt) != (after < *attributes.lt))) return true;
  if (attributes.st && std::fabs(after - before) >= *attributes.st) return true;
  return false;
}

}  // namespace tml::lwm2m
