#pragma once
// The LwM2M client's CoAP side on libcoap (what tinymlaas-agent runs): registers the objects
// of an ObjectStore with a server (plain CoAP or DTLS-PSK), keeps the registration alive with
// Updates before its lifetime ends, registers again when the server forgot it, answers the
// server's Read / Write / Execute / Create / Delete / Discover requests in TLV, SenML JSON/CBOR,
// plain text or opaque, keeps the server's observations (RFC 7641) and notifies them as the
// Write-Attributes it received say (observe.h), and de-registers when it stops. One thread
// owns the libcoap context; a change in the ObjectStore wakes it.

#include <memory>
#include <string>

#include "lwm2m/object_store.h"
#include "lwm2m/value.h"

namespace tml::lwm2m {

struct Lwm2mClientOptions {
  std::string server;        ///< coap://HOST:PORT or coaps://HOST:PORT
  std::string endpoint;
  std::string psk_identity;  ///< coaps only (default: the endpoint name)
  Bytes psk_key;             ///< coaps only
  int64_t lifetime = 300;    ///< seconds
  std::string binding = "U";
};

class Lwm2mClient {
 public:
  static Lwm2mResult<std::unique_ptr<Lwm2mClient>> Start(Lwm2mClientOptions options, ObjectStore& objects);
  /// De-registers (waits up to 2 s for the answer) and stops.
  ~Lwm2mClient();

  bool registered() const;
  /// "/rd/<id>" once registered.
  std::string location() const;
  /// Why the last Register or Update failed, if it did.
  std::string last_error() const;
  /// Sends an Update with the current object list soon (after objects were added or removed).
  void RequestUpdate();
  /// A new registration lifetime (the server wrote 1/0/1): sent with the next Update, soon.
  void SetLifetime(int64_t seconds);

  struct Impl;

 private:
  explicit Lwm2mClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tml::lwm2m
