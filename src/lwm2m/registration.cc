#include "lwm2m/registration.h"

#include <charconv>

namespace tml::lwm2m {
namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

Query SplitQuery(std::string_view query) {
  Query out;
  while (!query.empty()) {
    const size_t amp = std::min(query.find('&'), query.size());
    const std::string_view part = query.substr(0, amp);
    const size_t eq = part.find('=');
    if (!part.empty()) {
      out.emplace_back(std::string(part.substr(0, eq)), eq == std::string_view::npos ? "" : std::string(part.substr(eq + 1)));
    }
    query.remove_prefix(std::min(amp + 1, query.size()));
  }
  return out;
}

Lwm2mResult<int64_t> ParseLifetime(const std::string& text) {
  int64_t v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || v <= 0 || v > 0xFFFFFFFFll) {
    return Lwm2mFail("lifetime 'lt=" + text + "' is not a number of seconds from 1 to 4294967295");
  }
  return v;
}

Lwm2mResult<std::vector<Link>> ParseObjects(std::string_view payload) {
  auto links = ParseLinkFormat(payload);
  if (!links) return Lwm2mFail("the object list: " + links.error());
  return links;
}

bool ValidEndpoint(const std::string& ep) {
  if (ep.empty() || ep.size() > 128) return false;
  for (unsigned char c : ep) {
    if (c <= ' ' || c == 0x7f || c == '/' || c == '&' || c == '?') return false;
  }
  return true;
}

}  // namespace

Lwm2mResult<RegisterRequest> ParseRegisterRequest(std::string_view query, std::string_view payload) {
  RegisterRequest request;
  for (const auto& [key, value] : SplitQuery(query)) {
    if (key == "ep") {
      request.endpoint = value;
    } else if (key == "lt") {
      auto lt = ParseLifetime(value);
      if (!lt) return Lwm2mFail(lt.error());
      request.lifetime = *lt;
    } else if (key == "lwm2m") {
      request.version = value;
    } else if (key == "b") {
      request.binding = value;
      request.queue_mode = value.find('Q') != std::string::npos;
    } else if (key == "Q") {
      request.queue_mode = true;
    }
    // sms, ep-specific and unknown parameters are ignored, as the spec allows.
  }
  if (!ValidEndpoint(request.endpoint)) {
    return Lwm2mFail(request.endpoint.empty() ? "the endpoint name 'ep' is missing"
                                              : "endpoint name '" + request.endpoint + "' is not valid");
  }
  if (request.version != "1.0" && request.version != "1.1") {
    return Lwm2mFail("LwM2M version '" + request.version + "' is not supported (1.0 and 1.1 are)");
  }
  auto objects = ParseObjects(payload);
  if (!objects) return Lwm2mFail(objects.error());
  request.objects = std::move(*objects);
  return request;
}

Lwm2mResult<UpdateRequest> ParseUpdateRequest(std::string_view query, std::string_view payload) {
  UpdateRequest request;
  for (const auto& [key, value] : SplitQuery(query)) {
    if (key == "lt") {
      auto lt = ParseLifetime(value);
      if (!lt) return Lwm2mFail(lt.error());
      request.lifetime = *lt;
    } else if (key == "b") {
      request.binding = value;
    }
  }
  if (!payload.empty()) {
    auto objects = ParseObjects(payload);
    if (!objects) return Lwm2mFail(objects.error());
    request.objects = std::move(*objects);
  }
  return request;
}

const Registration& Registry::Register(const RegisterRequest& request, std::string id, std::string peer,
                                       std::string psk_identity, int64_t now) {
  if (auto old = id_of_endpoint_.find(request.endpoint); old != id_of_endpoint_.end()) by_id_.erase(old->second);
  Registration r;
  r.id = id;
  r.endpoint = request.endpoint;
  r.version = request.version;
  r.binding = request.binding;
  r.lifetime = request.lifetime;
  r.objects = request.objects;
  r.peer = std::move(peer);
  r.psk_identity = std::move(psk_identity);
  r.registered_at = r.updated_at = now;
  id_of_endpoint_[r.endpoint] = id;
  return by_id_[id] = std::move(r);
}

const Registration* Registry::Update(const std::string& id, const UpdateRequest& request, std::string peer, int64_t now) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return nullptr;
  Registration& r = it->second;
  if (request.lifetime) r.lifetime = *request.lifetime;
  if (request.binding) r.binding = *request.binding;
  if (request.objects) r.objects = *request.objects;
  r.peer = std::move(peer);
  r.updated_at = now;
  return &r;
}

std::optional<Registration> Registry::Deregister(const std::string& id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  Registration r = std::move(it->second);
  by_id_.erase(it);
  id_of_endpoint_.erase(r.endpoint);
  return r;
}

void Registry::SetDeviceInfo(const std::string& endpoint, const std::string* firmware_version,
                             const std::string* software_version) {
  auto id = id_of_endpoint_.find(endpoint);
  if (id == id_of_endpoint_.end()) return;
  Registration& r = by_id_[id->second];
  if (firmware_version != nullptr) r.firmware_version = *firmware_version;
  if (software_version != nullptr) r.software_version = *software_version;
}

std::vector<Registration> Registry::Expire(int64_t now) {
  std::vector<Registration> expired;
  for (auto it = by_id_.begin(); it != by_id_.end();) {
    if (now > it->second.updated_at + it->second.lifetime) {
      id_of_endpoint_.erase(it->second.endpoint);
      expired.push_back(std::move(it->second));
      it = by_id_.erase(it);
    } else {
      ++it;
    }
  }
  return expired;
}

const Registration* Registry::Find(const std::string& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second;
}

const Registration* Registry::FindEndpoint(const std::string& endpoint) const {
  auto it = id_of_endpoint_.find(endpoint);
  return it == id_of_endpoint_.end() ? nullptr : Find(it->second);
}

std::vector<Registration> Registry::All() const {
  std::vector<Registration> out;
  for (const auto& [id, r] : by_id_) out.push_back(r);
  return out;
}

}  // namespace tml::lwm2m
