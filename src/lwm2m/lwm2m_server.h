#pragma once
// The LwM2M server's CoAP side on libcoap: the registration interface (/rd: register, update,
// de-register, lifetime expiry) over plain CoAP (loopback only) and DTLS-PSK, and the device
// management requests (read, write, write-attributes, execute, create, delete, discover,
// observe) to registered devices. Only endpoints
// provisioned beforehand may register; over DTLS the PSK identity must be the one provisioned
// for the endpoint. One thread owns the libcoap context; the rest of the service reads
// snapshots.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "lwm2m/content_format.h"
#include "lwm2m/registration.h"
#include "lwm2m/value.h"

namespace tml::lwm2m {

struct DeviceCredentials {
  std::string endpoint;
  std::string psk_identity;
  Bytes psk_key;
};

struct Lwm2mServerOptions {
  std::string coap;   ///< "HOST:PORT" for plain CoAP; refused unless HOST is a loopback address
  std::string coaps;  ///< "HOST:PORT" for DTLS-PSK
  /// The provisioned device with this PSK identity (DTLS) or endpoint name (plain CoAP).
  std::function<std::optional<DeviceCredentials>(const std::string&)> by_identity;
  std::function<std::optional<DeviceCredentials>(const std::string&)> by_endpoint;
  /// Serves GET /pkg/<name> block by block (RFC 7959 Block2, a coap:// Package URI): the bytes
  /// of package `name` from `offset`, at most `size` of them, and its whole size in `total`;
  /// nothing when there is no such package. Unset: no packages over CoAP.
  std::function<std::optional<Bytes>(const std::string& name, uint64_t offset, size_t size, uint64_t& total)> package_slice;
  /// Told of every change: "registered", "updated", "deregistered", "expired".
  std::function<void(const Registration&, const std::string& event)> on_change;
};

/// A device's answer to a device-management request.
struct DeviceResponse {
  int code = 0;  ///< class * 100 + detail: 205, 204, 404, ...
  std::optional<ContentFormat> format;
  Bytes payload;
  std::optional<Path> location;  ///< Location-Path of a Create's 2.01
  /// An Observe the device accepted: the observation's id (for CancelObservation).
  std::string observation;
};

/// Called with each notification of an observation, on the CoAP thread (keep it short).
using NotifyFn = std::function<void(const DeviceResponse&)>;

/// "4.04" for 404: a response code as CoAP writes it.
std::string CoapCodeText(int code);

enum class Method { kGet, kPut, kPost, kDelete };

class Lwm2mServer {
 public:
  /// Binds the endpoints and starts the CoAP thread.
  static Lwm2mResult<std::unique_ptr<Lwm2mServer>> Start(Lwm2mServerOptions options);
  ~Lwm2mServer();

  std::vector<Registration> Registrations() const;
  std::optional<Registration> FindEndpoint(const std::string& endpoint) const;

  /// A device-management request (Read = GET, Write = PUT/POST, Execute = POST, Delete) to a
  /// registered endpoint, over the session it registered from; waits for the answer. Fails
  /// when the endpoint is not registered or does not answer within `timeout_s`.
  Lwm2mResult<DeviceResponse> Request(const std::string& endpoint, Method method, const Path& path,
                                      std::optional<ContentFormat> accept = std::nullopt,
                                      std::optional<ContentFormat> content_format = std::nullopt, Bytes payload = {},
                                      double timeout_s = 30);

  /// Observe (a GET with Observe 0, RFC 7641): the answer is the current value, and when the
  /// device accepted, `observation` names the observation and `on_notify` gets each later
  /// notification until CancelObservation, an error notification, or the registration ends.
  Lwm2mResult<DeviceResponse> Observe(const std::string& endpoint, const Path& path, std::optional<ContentFormat> accept,
                                      NotifyFn on_notify, double timeout_s = 30);
  /// Ends an observation: the device is told (a GET with Observe 1) and notifications stop.
  void CancelObservation(const std::string& observation);
  /// Write-Attributes (core spec 5.4.4): a PUT of `query` ("pmin=1&pmax=30&st") with no body.
  Lwm2mResult<DeviceResponse> WriteAttributes(const std::string& endpoint, const Path& path, const std::string& query,
                                              double timeout_s = 30);

  /// Reads what the device runs (3/0/3, 3/0/19) into its registration again (after an
  /// update); returns the Firmware Version it read ("" when the device gave none), or nothing
  /// when the device did not answer within 5 s.
  std::optional<std::string> RefreshDeviceInfo(const std::string& endpoint);

  struct Impl;

 private:
  explicit Lwm2mServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Splits "HOST:PORT" or "[V6]:PORT".
Lwm2mResult<std::pair<std::string, uint16_t>> SplitHostPort(const std::string& text);
bool IsLoopbackHost(const std::string& host);

}  // namespace tml::lwm2m
