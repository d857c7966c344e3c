#pragma once
// The registration interface (LwM2M 1.1 core spec 6.2), socket-free: what a Register or an
// Update request says, and the registry of current registrations with their lifetimes. Time
// is an argument (seconds), so that tests and the server's loop drive it alike.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lwm2m/link_format.h"

namespace tml::lwm2m {

struct RegisterRequest {
  std::string endpoint;         ///< ep (mandatory)
  int64_t lifetime = 86400;     ///< lt, seconds (spec default)
  std::string version = "1.0";  ///< lwm2m
  std::string binding = "U";    ///< b
  bool queue_mode = false;      ///< Q (1.0) or a binding with Q
  std::vector<Link> objects;    ///< the payload: </1/0>,</3/0>,...
};

struct UpdateRequest {
  std::optional<int64_t> lifetime;
  std::optional<std::string> binding;
  std::optional<std::vector<Link>> objects;
};

/// `query` as CoAP joins Uri-Query options ("ep=dev&lt=300&lwm2m=1.1&b=U").
Lwm2mResult<RegisterRequest> ParseRegisterRequest(std::string_view query, std::string_view payload);
Lwm2mResult<UpdateRequest> ParseUpdateRequest(std::string_view query, std::string_view payload);

struct Registration {
  std::string id;  ///< the location: /rd/<id>
  std::string endpoint;
  std::string version;
  std::string binding;
  int64_t lifetime = 0;
  std::vector<Link> objects;
  std::string peer;            ///< address:port the client registered from
  std::string psk_identity;    ///< empty over plain CoAP
  int64_t registered_at = 0;   ///< seconds since the epoch
  int64_t updated_at = 0;      ///< the last Register or Update
  std::string firmware_version;  ///< read from the device (3/0/3) after it registers
  std::string software_version;  ///< 3/0/19: the running model's sha256 in TinyMLaaS
};

class Registry {
 public:
  /// Registers; a second registration of an endpoint replaces the first (its old location
  /// becomes unknown). `id` is the new location id.
  const Registration& Register(const RegisterRequest& request, std::string id, std::string peer,
                               std::string psk_identity, int64_t now);
  /// Applies an Update; nullptr when `id` is not registered (the client must register again).
  const Registration* Update(const std::string& id, const UpdateRequest& request, std::string peer, int64_t now);
  std::optional<Registration> Deregister(const std::string& id);
  /// Records what the endpoint's Device object says it runs (null: unchanged).
  void SetDeviceInfo(const std::string& endpoint, const std::string* firmware_version, const std::string* software_version);
  /// Removes and returns the registrations whose lifetime ran out before `now`.
  std::vector<Registration> Expire(int64_t now);

  const Registration* Find(const std::string& id) const;
  const Registration* FindEndpoint(const std::string& endpoint) const;
  std::vector<Registration> All() const;
  size_t size() const { return by_id_.size(); }

 private:
  std::map<std::string, Registration> by_id_;
  std::map<std::string, std::string> id_of_endpoint_;
};

}  // namespace tml::lwm2m
