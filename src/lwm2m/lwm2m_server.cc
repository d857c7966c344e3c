#include "lwm2m/lwm2m_server.h"

#include "lwm2m/coap_util.h"
#include "lwm2m/objects.h"

#include <coap3/coap.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <random>

namespace tml::lwm2m {

namespace {

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string RandomId() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 12; ++i) id += hex[random() & 15];
  return id;
}

std::string PeerOf(const coap_session_t* session) {
  char text[INET6_ADDRSTRLEN + 16] = {};
  coap_print_addr(coap_session_get_addr_remote(session), reinterpret_cast<unsigned char*>(text), sizeof(text));
  return text;
}

std::string_view Text(const coap_string_t* s) {
  return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(s->s), s->length);
}

std::string_view AsText(const Bytes& bytes) { return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()); }

}  // namespace

struct OutgoingRequest {
  std::string endpoint;
  Method method;
  Path path;
  std::optional<ContentFormat> accept, content_format;
  std::string query;  // Uri-Query ("pmin=1&pmax=30": Write-Attributes)
  Bytes payload;
  NotifyFn on_notify;  // set for an Observe
  std::string registration;  // the registration it went to (set when sent)
  std::promise<Lwm2mResult<DeviceResponse>> done;
  /// Set for the server's own requests: called on the CoAP thread instead of `done`.
  std::function<void(Lwm2mResult<DeviceResponse>)> then;

  void Finish(Lwm2mResult<DeviceResponse> result) {
    if (then) then(std::move(result));
    else done.set_value(std::move(result));
  }
};

struct Lwm2mServer::Impl {
  Lwm2mServerOptions options;
  std::map<std::string, coap_session_t*> sessions;  // registration id -> its session (referenced)
  std::mutex outgoing_mutex;
  std::deque<std::unique_ptr<OutgoingRequest>> outgoing;
  std::map<std::string, std::unique_ptr<OutgoingRequest>> in_flight;  // KeyOf(session, token) -> request
  struct ActiveObservation {
    std::string registration;  // ends with it
    coap_session_t* session;   // held by `sessions` while the registration lives
    std::string token;
    NotifyFn on_notify;
  };
  std::map<std::string, ActiveObservation> observations;  // KeyOf(session, token) -> observation (CoAP thread only)
  std::vector<std::string> cancels;                       // observations to cancel (guarded by outgoing_mutex)
  Wakeup wakeup;  // rung when a request or a cancel is queued: it is sent at once
  coap_context_t* context = nullptr;
  std::thread thread;
  std::atomic<bool> stopping = false;
  mutable std::mutex mutex;  // guards registry
  Registry registry;
  std::vector<std::string> to_remove;  // registration resources to delete after this I/O round
  Bytes key_buffer;                    // the PSK handed to libcoap (it copies it)
  coap_bin_const_t key_view{};

  static Impl& Of(coap_session_t* session) {
    return *static_cast<Impl*>(coap_get_app_data(coap_session_get_context(session)));
  }

  std::string IdentityOf(coap_session_t* session) {
    if (coap_session_get_proto(session) != COAP_PROTO_DTLS) return "";
    const coap_bin_const_t* id = coap_session_get_psk_identity(session);
    return id == nullptr ? "" : std::string(reinterpret_cast<const char*>(id->s), id->length);
  }

  void Notify(const Registration& r, const std::string& event) {
    if (options.on_change) options.on_change(r, event);
  }

  void AddRegistrationResource(const std::string& id) {
    coap_resource_t* r = coap_resource_init(coap_new_str_const(reinterpret_cast<const uint8_t*>(("rd/" + id).data()), id.size() + 3),
                                            COAP_RESOURCE_FLAGS_RELEASE_URI);
    coap_register_handler(r, COAP_REQUEST_POST, HandleUpdate);
    coap_register_handler(r, COAP_REQUEST_DELETE, HandleDeregister);
    coap_add_resource(context, r);
  }

  void KeepSession(const std::string& id, coap_session_t* session) {
    sessions[id] = coap_session_reference(session);
  }

  void DropSession(const std::string& id) {
    if (auto it = sessions.find(id); it != sessions.end()) {
      coap_session_release(it->second);
      sessions.erase(it);
    }
  }

  void SendOutgoing() {
    std::deque<std::unique_ptr<OutgoingRequest>> batch;
    {
      std::lock_guard lock(outgoing_mutex);
      batch.swap(outgoing);
    }
    for (auto& request : batch) {
      std::string id;
      {
        std::lock_guard lock(mutex);
        if (const Registration* r = registry.FindEndpoint(request->endpoint)) id = r->id;
      }
      auto session = sessions.find(id);
      if (id.empty() || session == sessions.end()) {
        request->Finish(Lwm2mFail("device " + request->endpoint + " is not registered"));
        continue;
      }
      static constexpr coap_pdu_code_t kCodes[] = {COAP_REQUEST_CODE_GET, COAP_REQUEST_CODE_PUT, COAP_REQUEST_CODE_POST,
                                                   COAP_REQUEST_CODE_DELETE};
      coap_pdu_t* pdu = coap_new_pdu(COAP_MESSAGE_CON, kCodes[static_cast<int>(request->method)], session->second);
      uint8_t token[8];
      size_t token_length = 0;
      coap_session_new_token(session->second, &token_length, token);
      coap_add_token(pdu, token_length, token);
      // Options in ascending number: Observe (6), Uri-Path (11), Content-Format (12),
      // Uri-Query (15), Accept (17).
      if (request->on_notify) AddUintOption(pdu, COAP_OPTION_OBSERVE, 0);
      AddPathOptions(pdu, request->path.ToString());
      if (request->content_format) AddUintOption(pdu, COAP_OPTION_CONTENT_FORMAT, static_cast<unsigned>(*request->content_format));
      for (std::string_view q = request->query; !q.empty();) {
        const size_t amp = std::min(q.find('&'), q.size());
        AddTextOption(pdu, COAP_OPTION_URI_QUERY, q.substr(0, amp));
        q = q.substr(std::min(amp + 1, q.size()));
      }
      if (request->accept) AddUintOption(pdu, COAP_OPTION_ACCEPT, static_cast<unsigned>(*request->accept));
      if (!request->payload.empty()) AddRequestBody(session->second, pdu, std::move(request->payload));
      const std::string key = KeyOf(session->second, std::string(reinterpret_cast<const char*>(token), token_length));
      if (coap_send(session->second, pdu) == COAP_INVALID_MID) {
        request->Finish(Lwm2mFail("cannot send to " + request->endpoint));
        continue;
      }
      request->registration = id;
      in_flight[key] = std::move(request);
    }
  }

  void SendCancels() {
    std::vector<std::string> batch;
    {
      std::lock_guard lock(outgoing_mutex);
      batch.swap(cancels);
    }
    for (const std::string& key : batch) {
      auto it = observations.find(key);
      if (it == observations.end()) continue;
      std::string token = it->second.token;
      coap_binary_t t{token.size(), reinterpret_cast<uint8_t*>(token.data())};
      coap_cancel_observe(it->second.session, &t, COAP_MESSAGE_CON);
      observations.erase(it);  // a notification still on its way gets an RST
    }
  }

  /// What a response is matched by: its token on its session (RFC 7252 5.3.2: a token is
  /// only unique between two endpoints, and libcoap's token sequence is the same on every
  /// session, so tokens alone collide across devices).
  static std::string KeyOf(const coap_session_t* session, const std::string& token) {
    return std::to_string(reinterpret_cast<uintptr_t>(session)) + ":" + token;
  }

  static std::string TokenOf(const coap_pdu_t* pdu) {
    const coap_bin_const_t token = coap_pdu_get_token(pdu);
    return std::string(reinterpret_cast<const char*>(token.s), token.length);
  }

  static DeviceResponse ResponseOf(const coap_pdu_t* received) {
    DeviceResponse response;
    response.code = CodeOf(received);
    if (auto cf = UintOption(received, COAP_OPTION_CONTENT_FORMAT)) response.format = static_cast<ContentFormat>(*cf);
    response.payload = BodyOf(received);
    std::string location;
    coap_opt_iterator_t options;
    coap_option_iterator_init(received, &options, COAP_OPT_ALL);
    while (coap_opt_t* opt = coap_option_next(&options)) {
      if (options.number != COAP_OPTION_LOCATION_PATH) continue;
      location += "/" + std::string(reinterpret_cast<const char*>(coap_opt_value(opt)), coap_opt_length(opt));
    }
    if (!location.empty()) response.location = ParsePath(location);
    return response;
  }

  static coap_response_t OnResponse(coap_session_t* session, const coap_pdu_t*, const coap_pdu_t* received, const coap_mid_t) {
    Impl& self = Of(session);
    const std::string token = TokenOf(received), key = KeyOf(session, token);
    if (auto o = self.observations.find(key); o != self.observations.end()) {
      const DeviceResponse notification = ResponseOf(received);
      o->second.on_notify(notification);
      // An error ends the observation (RFC 7641 3.2), as does a 2.xx without Observe.
      if (notification.code / 100 != 2 || !UintOption(received, COAP_OPTION_OBSERVE)) self.observations.erase(o);
      return COAP_RESPONSE_OK;
    }
    auto it = self.in_flight.find(key);
    // A notification of an observation that ended: the RST tells the device to stop.
    if (it == self.in_flight.end()) return UintOption(received, COAP_OPTION_OBSERVE) ? COAP_RESPONSE_FAIL : COAP_RESPONSE_OK;
    DeviceResponse response = ResponseOf(received);
    if (it->second->on_notify && response.code == 205 && UintOption(received, COAP_OPTION_OBSERVE)) {
      response.observation = key;
      self.observations[key] = {it->second->registration, session, token, std::move(it->second->on_notify)};
    }
    it->second->Finish(std::move(response));
    self.in_flight.erase(it);
    return COAP_RESPONSE_OK;
  }

  static void OnNack(coap_session_t* session, const coap_pdu_t* sent, const coap_nack_reason_t, const coap_mid_t) {
    Impl& self = Of(session);
    if (sent == nullptr) return;
    auto it = self.in_flight.find(KeyOf(session, TokenOf(sent)));
    if (it == self.in_flight.end()) return;
    it->second->Finish(Lwm2mFail("device " + it->second->endpoint + " did not answer"));
    self.in_flight.erase(it);
  }

  void RemoveRegistrationResource(const std::string& id) {
    const std::string uri = "rd/" + id;
    coap_str_const_t path{uri.size(), reinterpret_cast<const uint8_t*>(uri.data())};
    if (coap_resource_t* r = coap_get_resource_from_uri_path(context, &path)) coap_delete_resource(context, r);
  }

  static void HandleRegister(coap_resource_t*, coap_session_t* session, const coap_pdu_t* request,
                             const coap_string_t* query, coap_pdu_t* response) {
    Impl& self = Of(session);
    const Bytes body = BodyOf(request);
    auto parsed = ParseRegisterRequest(Text(query), AsText(body));
    if (!parsed) return Reply(response, 400, parsed.error());
    const std::string identity = self.IdentityOf(session);
    std::optional<DeviceCredentials> device;
    if (!identity.empty()) {
      device = self.options.by_identity ? self.options.by_identity(identity) : std::nullopt;
      if (!device || device->endpoint != parsed->endpoint) {
        return Reply(response, 403,
                     "PSK identity '" + identity + "' is not provisioned for endpoint '" + parsed->endpoint + "'");
      }
    } else {
      device = self.options.by_endpoint ? self.options.by_endpoint(parsed->endpoint) : std::nullopt;
      if (!device) return Reply(response, 403, "endpoint '" + parsed->endpoint + "' is not provisioned");
    }
    Registration registration;
    {
      std::lock_guard lock(self.mutex);
      if (const Registration* old = self.registry.FindEndpoint(parsed->endpoint)) self.to_remove.push_back(old->id);
      registration = self.registry.Register(*parsed, RandomId(), PeerOf(session), identity, NowSeconds());
    }
    self.AddRegistrationResource(registration.id);
    self.KeepSession(registration.id, session);
    AddTextOption(response, COAP_OPTION_LOCATION_PATH, "rd");
    AddTextOption(response, COAP_OPTION_LOCATION_PATH, registration.id);
    Reply(response, 201);
    self.Notify(registration, "registered");
    self.ReadDeviceInfo(registration.endpoint);
  }

  /// Reads what the device runs (3/0/3 Firmware Version, 3/0/19 Software Version: the model's
  /// sha256 in TinyMLaaS) into its registration, after the registration is answered.
  void ReadDeviceInfo(const std::string& endpoint, std::function<void(std::optional<std::string>)> done = {}) {
    auto request = std::make_unique<OutgoingRequest>();
    request->endpoint = endpoint;
    request->method = Method::kGet;
    request->path = MakePath({3, 0});
    request->accept = ContentFormat::kSenmlJson;
    request->then = [this, endpoint, done](Lwm2mResult<DeviceResponse> r) {
      const auto version = StoreDeviceInfo(endpoint, r);
      if (done) done(version);
    };
    {
      std::lock_guard lock(outgoing_mutex);
      outgoing.push_back(std::move(request));
    }
    wakeup.Ring();
  }

  /// A read of /3/0 into the registry; the Firmware Version it gave ("" when it gave none),
  /// or nothing when the device did not answer it with values.
  std::optional<std::string> StoreDeviceInfo(const std::string& endpoint, const Lwm2mResult<DeviceResponse>& r) {
    if (!r || r->code != 205) return std::nullopt;
    auto records = DecodeRecords(r->format.value_or(ContentFormat::kSenmlJson), MakePath({3, 0}), r->payload, TypeOfResource);
    if (!records) return std::nullopt;
    std::string firmware_version;
    std::lock_guard lock(mutex);
    for (const Record& rec : *records) {
      const std::string* text = std::get_if<std::string>(&rec.value);
      if (text == nullptr || rec.path.depth != 3) continue;
      if (rec.path.resource() == 3) {
        registry.SetDeviceInfo(endpoint, text, nullptr);
        firmware_version = *text;
      }
      if (rec.path.resource() == 19) registry.SetDeviceInfo(endpoint, nullptr, text);
    }
    return firmware_version;
  }

  static std::string IdOf(coap_resource_t* resource) {
    coap_str_const_t* uri = coap_resource_get_uri_path(resource);
    const std::string path(reinterpret_cast<const char*>(uri->s), uri->length);
    return path.substr(path.find('/') + 1);
  }

  /// The registration a request on /rd/<id> may act on, or a reply saying why not.
  static bool Allowed(Impl& self, const std::string& id, coap_session_t* session, coap_pdu_t* response) {
    std::lock_guard lock(self.mutex);
    const Registration* r = self.registry.Find(id);
    if (r == nullptr) {
      Reply(response, 404, "no registration " + id);
      return false;
    }
    if (r->psk_identity != self.IdentityOf(session)) {
      Reply(response, 403, "the registration belongs to another security identity");
      return false;
    }
    return true;
  }

  static void HandleUpdate(coap_resource_t* resource, coap_session_t* session, const coap_pdu_t* request,
                           const coap_string_t* query, coap_pdu_t* response) {
    Impl& self = Of(session);
    const std::string id = IdOf(resource);
    const Bytes body = BodyOf(request);
    auto parsed = ParseUpdateRequest(Text(query), AsText(body));
    if (!parsed) return Reply(response, 400, parsed.error());
    if (!Allowed(self, id, session, response)) return;
    Registration updated;
    {
      std::lock_guard lock(self.mutex);
      updated = *self.registry.Update(id, *parsed, PeerOf(session), NowSeconds());
    }
    Reply(response, 204);
    self.Notify(updated, "updated");
  }

  static void HandleDeregister(coap_resource_t* resource, coap_session_t* session, const coap_pdu_t*,
                               const coap_string_t*, coap_pdu_t* response) {
    Impl& self = Of(session);
    const std::string id = IdOf(resource);
    if (!Allowed(self, id, session, response)) return;
    std::optional<Registration> gone;
    {
      std::lock_guard lock(self.mutex);
      gone = self.registry.Deregister(id);
      self.to_remove.push_back(id);
    }
    Reply(response, 202);
    if (gone) self.Notify(*gone, "deregistered");
  }

  /// GET /pkg/<name>: one block of a package (Block2 as asked, 1024 bytes at most), with
  /// Size2 on the first, so a device can download and resume block by block.
  static void HandlePackage(coap_resource_t*, coap_session_t* session, const coap_pdu_t* request, const coap_string_t*,
                            coap_pdu_t* response) {
    Impl& self = Of(session);
    coap_string_t* uri = coap_get_uri_path(request);
    const std::string path = uri == nullptr ? "" : std::string(reinterpret_cast<const char*>(uri->s), uri->length);
    coap_delete_string(uri);
    if (!self.options.package_slice || path.rfind("pkg/", 0) != 0 || path.size() == 4) return Reply(response, 404, "no such resource");
    if (coap_pdu_get_code(request) != COAP_REQUEST_CODE_GET) return Reply(response, 405, "packages are read with GET");
    coap_block_t asked{0, 0, 6};
    coap_get_block(request, COAP_OPTION_BLOCK2, &asked);
    const unsigned szx = std::min(asked.szx, 6u);
    const uint64_t size = 16u << szx, offset = static_cast<uint64_t>(asked.num) * size;
    uint64_t total = 0;
    auto slice = self.options.package_slice(path.substr(4), offset, size, total);
    if (!slice) return Reply(response, 404, "no package " + path.substr(4));
    if (offset > total || (offset == total && total > 0)) return Reply(response, 402, "block " + std::to_string(asked.num) + " is past the end");
    coap_pdu_set_code(response, COAP_RESPONSE_CODE_CONTENT);
    AddUintOption(response, COAP_OPTION_CONTENT_FORMAT, static_cast<unsigned>(ContentFormat::kOpaque));
    const bool more = offset + slice->size() < total;
    AddUintOption(response, COAP_OPTION_BLOCK2, (asked.num << 4) | (more ? 8u : 0u) | szx);
    if (asked.num == 0) AddUintOption(response, COAP_OPTION_SIZE2, static_cast<unsigned>(total));
    coap_add_data(response, slice->size(), slice->data());
  }

  static const coap_bin_const_t* KeyForIdentity(coap_bin_const_t* identity, coap_session_t*, void* arg) {
    Impl& self = *static_cast<Impl*>(arg);
    const std::string id(reinterpret_cast<const char*>(identity->s), identity->length);
    auto device = self.options.by_identity ? self.options.by_identity(id) : std::nullopt;
    if (!device || device->psk_key.empty()) return nullptr;  // unknown identity: the handshake fails
    self.key_buffer = device->psk_key;
    self.key_view = {self.key_buffer.size(), self.key_buffer.data()};
    return &self.key_view;
  }

  void Loop() {
    int64_t expired_at = 0;
    while (!stopping.load()) {
      wakeup.WaitForIo(context, 100);
      std::vector<std::string> remove;
      std::vector<Registration> expired;
      {
        std::lock_guard lock(mutex);
        // Lifetimes count in whole seconds: one pass over the registry per second, not per
        // packet (at 10,000 devices a per-packet pass was most of the server's CPU).
        if (const int64_t now = NowSeconds(); now != expired_at) {
          expired = registry.Expire(now);
          expired_at = now;
        }
        remove.swap(to_remove);
      }
      for (const Registration& r : expired) remove.push_back(r.id);
      for (const std::string& id : remove) {
        std::erase_if(observations, [&](const auto& o) { return o.second.registration == id; });
        RemoveRegistrationResource(id);
        DropSession(id);
      }
      SendCancels();
      SendOutgoing();
      for (const Registration& r : expired) Notify(r, "expired");
    }
  }
};

Lwm2mResult<std::pair<std::string, uint16_t>> SplitHostPort(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) return Lwm2mFail("'" + text + "' is not HOST:PORT");
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const int port = std::atoi(text.c_str() + colon + 1);
  if (port <= 0 || port > 65535) return Lwm2mFail("'" + text + "' has no valid port");
  return std::make_pair(host, static_cast<uint16_t>(port));
}

std::string CoapCodeText(int code) {
  const int detail = code % 100;
  return std::to_string(code / 100) + "." + (detail < 10 ? "0" : "") + std::to_string(detail);
}

bool IsLoopbackHost(const std::string& host) { return host == "::1" || host.rfind("127.", 0) == 0; }

Lwm2mServer::Lwm2mServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Lwm2mServer::~Lwm2mServer() {
  impl_->stopping = true;
  if (impl_->thread.joinable()) impl_->thread.join();
  for (auto& [token, request] : impl_->in_flight) request->Finish(Lwm2mFail("the server is stopping"));
  for (auto& request : impl_->outgoing) request->Finish(Lwm2mFail("the server is stopping"));
  for (auto& [id, session] : impl_->sessions) coap_session_release(session);
  coap_free_context(impl_->context);
}

Lwm2mResult<std::unique_ptr<Lwm2mServer>> Lwm2mServer::Start(Lwm2mServerOptions options) {
  StartCoap();
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->context = coap_new_context(nullptr);
  if (impl->context == nullptr) return Lwm2mFail("cannot create a CoAP context");
  std::unique_ptr<Lwm2mServer> server(new Lwm2mServer(std::move(impl)));
  Impl& self = *server->impl_;
  coap_set_app_data(self.context, &self);
  coap_register_response_handler(self.context, Impl::OnResponse);
  coap_register_nack_handler(self.context, Impl::OnNack);
  coap_context_set_block_mode(self.context, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
  if (!self.options.coap.empty()) {
    auto hp = SplitHostPort(self.options.coap);
    if (!hp) return Lwm2mFail("--coap: " + hp.error());
    if (!IsLoopbackHost(hp->first)) {
      return Lwm2mFail("--coap " + self.options.coap + ": plain CoAP is only served on a loopback address (use --coaps)");
    }
    auto address = ResolveUdpAddress(hp->first, hp->second, true);
    if (!address) return Lwm2mFail("--coap: " + address.error());
    if (coap_new_endpoint(self.context, &*address, COAP_PROTO_UDP) == nullptr) {
      return Lwm2mFail("cannot listen for CoAP on " + self.options.coap);
    }
  }
  if (!self.options.coaps.empty()) {
    auto hp = SplitHostPort(self.options.coaps);
    if (!hp) return Lwm2mFail("--coaps: " + hp.error());
    if (!coap_dtls_is_supported()) return Lwm2mFail("this libcoap has no DTLS");
    coap_dtls_spsk_t psk{};
    psk.version = COAP_DTLS_SPSK_SETUP_VERSION;
    psk.validate_id_call_back = Impl::KeyForIdentity;
    psk.id_call_back_arg = &self;
    if (!coap_context_set_psk2(self.context, &psk)) return Lwm2mFail("cannot set up DTLS-PSK");
    auto address = ResolveUdpAddress(hp->first, hp->second, true);
    if (!address) return Lwm2mFail("--coaps: " + address.error());
    if (coap_new_endpoint(self.context, &*address, COAP_PROTO_DTLS) == nullptr) {
      return Lwm2mFail("cannot listen for CoAP over DTLS on " + self.options.coaps);
    }
  }
  // Everything that is not /rd or a registration: the packages (/pkg/<name>).
  coap_resource_t* other = coap_resource_unknown_init2(Impl::HandlePackage, 0);
  coap_register_handler(other, COAP_REQUEST_GET, Impl::HandlePackage);
  coap_add_resource(self.context, other);
  coap_resource_t* rd = coap_resource_init(coap_make_str_const("rd"), 0);
  coap_register_handler(rd, COAP_REQUEST_POST, Impl::HandleRegister);
  coap_add_resource(self.context, rd);
  self.thread = std::thread([&self] { self.Loop(); });
  return server;
}

std::vector<Registration> Lwm2mServer::Registrations() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->registry.All();
}

std::optional<Registration> Lwm2mServer::FindEndpoint(const std::string& endpoint) const {
  std::lock_guard lock(impl_->mutex);
  const Registration* r = impl_->registry.FindEndpoint(endpoint);
  return r == nullptr ? std::nullopt : std::optional<Registration>(*r);
}

}  // namespace tml::lwm2m

namespace tml::lwm2m {

std::optional<std::string> Lwm2mServer::RefreshDeviceInfo(const std::string& endpoint) {
  auto done = std::make_shared<std::promise<std::optional<std::string>>>();
  auto finished = done->get_future();
  impl_->ReadDeviceInfo(endpoint, [done](std::optional<std::string> version) { done->set_value(std::move(version)); });
  if (finished.wait_for(std::chrono::seconds(5)) != std::future_status::ready) return std::nullopt;
  return finished.get();
}

namespace {

/// Hands `request` to the CoAP thread and waits for its answer.
Lwm2mResult<DeviceResponse> SendAndWait(Lwm2mServer::Impl& impl, std::unique_ptr<OutgoingRequest> request, double timeout_s) {
  const std::string endpoint = request->endpoint;
  auto answer = request->done.get_future();
  {
    std::lock_guard lock(impl.outgoing_mutex);
    impl.outgoing.push_back(std::move(request));
  }
  impl.wakeup.Ring();
  if (answer.wait_for(std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000))) != std::future_status::ready) {
    return Lwm2mFail("device " + endpoint + " did not answer within " + std::to_string(static_cast<int>(timeout_s)) + " s");
  }
  return answer.get();
}

std::unique_ptr<OutgoingRequest> MakeRequest(const std::string& endpoint, Method method, const Path& path) {
  auto request = std::make_unique<OutgoingRequest>();
  request->endpoint = endpoint;
  request->method = method;
  request->path = path;
  return request;
}

}  // namespace

Lwm2mResult<DeviceResponse> Lwm2mServer::Request(const std::string& endpoint, Method method, const Path& path,
                                                 std::optional<ContentFormat> accept,
                                                 std::optional<ContentFormat> content_format, Bytes payload,
                                                 double timeout_s) {
  auto request = MakeRequest(endpoint, method, path);
  request->accept = accept;
  request->content_format = content_format;
  request->payload = std::move(payload);
  return SendAndWait(*impl_, std::move(request), timeout_s);
}

Lwm2mResult<DeviceResponse> Lwm2mServer::Observe(const std::string& endpoint, const Path& path,
                                                 std::optional<ContentFormat> accept, NotifyFn on_notify,
                                                 double timeout_s) {
  auto request = MakeRequest(endpoint, Method::kGet, path);
  request->accept = accept;
  request->on_notify = std::move(on_notify);
  return SendAndWait(*impl_, std::move(request), timeout_s);
}

void Lwm2mServer::CancelObservation(const std::string& observation) {
  {
    std::lock_guard lock(impl_->outgoing_mutex);
    impl_->cancels.push_back(observation);
  }
  impl_->wakeup.Ring();
}

Lwm2mResult<DeviceResponse> Lwm2mServer::WriteAttributes(const std::string& endpoint, const Path& path,
                                                         const std::string& query, double timeout_s) {
  auto request = MakeRequest(endpoint, Method::kPut, path);
  request->query = query;
  return SendAndWait(*impl_, std::move(request), timeout_s);
}

}  // namespace tml::lwm2m
