#include "lwm2m/lwm2m_client.h"

#include <coap3/coap.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

#include "lwm2m/coap_util.h"
#include "lwm2m/content_format.h"
#include "lwm2m/lwm2m_server.h"
#include "lwm2m/objects.h"
#include "lwm2m/observe.h"

namespace tml::lwm2m {
namespace {

using Clock = std::chrono::steady_clock;

double MonotonicSeconds() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

Bytes TokenOf(const coap_pdu_t* pdu) {
  const coap_bin_const_t token = coap_pdu_get_token(pdu);
  return Bytes(token.s, token.s + token.length);
}

}  // namespace

struct Lwm2mClient::Impl {
  Lwm2mClientOptions options;
  ObjectStore* objects = nullptr;
  coap_context_t* context = nullptr;
  coap_session_t* session = nullptr;
  std::thread thread;
  std::atomic<bool> stopping = false;
  std::atomic<bool> update_requested = false;
  std::atomic<int64_t> new_lifetime = 0;  // set by SetLifetime, sent with the next Update
  mutable std::mutex mutex;
  std::string location;  // "rd/<id>"
  std::string last_error;
  bool awaiting = false;      // a Register/Update/De-register is in flight
  bool deregistered = false;  // the De-register was answered
  Clock::time_point next_action = Clock::now();
  // Observations and attributes belong to the CoAP thread (handlers and Loop run on it).
  std::vector<Observation> observations;
  AttributeStore attributes;
  uint32_t observe_sequence = 1;
  Wakeup wakeup;  // rung when the ObjectStore changes: observations are checked at once

  static Impl& Of(coap_session_t* session) {
    return *static_cast<Impl*>(coap_get_app_data(coap_session_get_context(session)));
  }

  coap_pdu_t* NewRequest(coap_pdu_code_t code) {
    coap_pdu_t* pdu = coap_new_pdu(COAP_MESSAGE_CON, code, session);
    uint8_t token[8];
    size_t length = 0;
    coap_session_new_token(session, &length, token);
    coap_add_token(pdu, length, token);
    return pdu;
  }

  void SendRegister() {
    coap_pdu_t* pdu = NewRequest(COAP_REQUEST_CODE_POST);
    AddTextOption(pdu, COAP_OPTION_URI_PATH, "rd");
    AddUintOption(pdu, COAP_OPTION_CONTENT_FORMAT, static_cast<unsigned>(ContentFormat::kLinkFormat));
    AddTextOption(pdu, COAP_OPTION_URI_QUERY, "ep=" + options.endpoint);
    AddTextOption(pdu, COAP_OPTION_URI_QUERY, "lt=" + std::to_string(options.lifetime));
    AddTextOption(pdu, COAP_OPTION_URI_QUERY, "lwm2m=1.1");
    AddTextOption(pdu, COAP_OPTION_URI_QUERY, "b=" + options.binding);
    SendWithLinks(pdu);
  }

  void SendUpdate(bool with_objects) {
    coap_pdu_t* pdu = NewRequest(COAP_REQUEST_CODE_POST);
    {
      std::lock_guard lock(mutex);
      AddPathOptions(pdu, location);
    }
    if (with_objects) AddUintOption(pdu, COAP_OPTION_CONTENT_FORMAT, static_cast<unsigned>(ContentFormat::kLinkFormat));
    if (const int64_t lt = new_lifetime.exchange(0); lt > 0) {
      options.lifetime = lt;
      AddTextOption(pdu, COAP_OPTION_URI_QUERY, "lt=" + std::to_string(lt));
    }
    if (with_objects) {
      SendWithLinks(pdu);
    } else {
      Send(pdu);
    }
  }

  void SendWithLinks(coap_pdu_t* pdu) {
    const std::string links = FormatLinks(objects->Links());
    // Block-wise (RFC 7959) when the object list is longer than one datagram: libcoap splits it.
    AddRequestBody(session, pdu, Bytes(links.begin(), links.end()));
    Send(pdu);
  }

  void Send(coap_pdu_t* pdu) {
    awaiting = coap_send(session, pdu) != COAP_INVALID_MID;
    if (!awaiting) Failed("cannot send to " + options.server);
  }

  void Failed(const std::string& why) {
    std::lock_guard lock(mutex);
    last_error = why;
    awaiting = false;
    next_action = Clock::now() + std::chrono::seconds(2);  // register again soon
  }

  static coap_response_t OnResponse(coap_session_t* session, const coap_pdu_t* sent, const coap_pdu_t* received,
                                    const coap_mid_t) {
    Impl& self = Of(session);
    const int code = CodeOf(received), klass = code / 100, detail = code % 100;
    const bool is_register = sent != nullptr && coap_pdu_get_code(sent) == COAP_REQUEST_CODE_POST && self.location.empty();
    const bool is_delete = sent != nullptr && coap_pdu_get_code(sent) == COAP_REQUEST_CODE_DELETE;
    self.awaiting = false;
    if (is_delete) {
      self.deregistered = true;
      return COAP_RESPONSE_OK;
    }
    if (klass == 2) {
      std::lock_guard lock(self.mutex);
      if (is_register) {
        std::string loc;
        coap_opt_iterator_t it;
        coap_option_iterator_init(received, &it, COAP_OPT_ALL);
        while (coap_opt_t* opt = coap_option_next(&it)) {
          if (it.number != COAP_OPTION_LOCATION_PATH) continue;
          loc += (loc.empty() ? "" : "/") + std::string(reinterpret_cast<const char*>(coap_opt_value(opt)), coap_opt_length(opt));
        }
        self.location = loc;
        // A new registration: the server observes afresh (core spec 6.2.1.1) and its old
        // attributes no longer apply.
        self.observations.clear();
        self.attributes.Clear();
      }
      self.last_error.clear();
      // Update again at half the lifetime: well before the server lets it expire.
      self.next_action = Clock::now() + std::chrono::seconds(std::max<int64_t>(1, self.options.lifetime / 2));
      return COAP_RESPONSE_OK;
    }
    const Bytes payload = BodyOf(received);
    const std::string why = "the server answered " + CoapCodeText(code) +
                            (payload.empty() ? "" : ": " + std::string(payload.begin(), payload.end()));
    {
      std::lock_guard lock(self.mutex);
      if (!is_register && klass == 4 && detail == 4) self.location.clear();  // forgotten: register again
    }
    self.Failed(why);
    return COAP_RESPONSE_OK;
  }

  static void OnNack(coap_session_t* session, const coap_pdu_t* sent, const coap_nack_reason_t reason, const coap_mid_t) {
    Impl& self = Of(session);
    if (sent != nullptr && coap_pdu_get_code(sent) >= COAP_RESPONSE_CODE(200)) {
      // A notification the server refused (RST: it forgot the token) or never acknowledged:
      // the observation ends (RFC 7641 3.6, 4.5).
      const Bytes token = TokenOf(sent);
      std::erase_if(self.observations, [&](const Observation& o) { return o.token == token; });
      return;
    }
    self.Failed(reason == COAP_NACK_TOO_MANY_RETRIES ? "the server did not answer"
                : reason == COAP_NACK_TLS_FAILED       ? "the DTLS handshake failed (wrong PSK?)"
                                                       : "the request was not delivered");
  }

  // --- the server's requests ---

  static std::optional<Path> RequestPath(const coap_pdu_t* request) {
    coap_string_t* uri = coap_get_uri_path(request);
    const std::string text = uri == nullptr ? "" : std::string(reinterpret_cast<const char*>(uri->s), uri->length);
    coap_delete_string(uri);
    return ParsePath(text);
  }

  static void HandleRead(coap_resource_t* resource, coap_session_t* session, const coap_pdu_t* request,
                         const coap_string_t* query, coap_pdu_t* response) {
    Impl& self = Of(session);
    const auto path = RequestPath(request);
    if (!path) return Reply(response, 404, "not an LwM2M path");
    if (UintOption(request, COAP_OPTION_ACCEPT) == static_cast<unsigned>(ContentFormat::kLinkFormat)) {
      auto links = self.objects->Discover(*path);  // Discover: a GET asking for link format
      if (!links) return Reply(response, links.error().code, links.error().message);
      const std::string text = FormatLinks(*links);
      coap_pdu_set_code(response, COAP_RESPONSE_CODE_CONTENT);
      AddResponseBody(resource, session, request, query, response, static_cast<uint16_t>(ContentFormat::kLinkFormat),
                      Bytes(text.begin(), text.end()));
      return;
    }
    auto records = self.objects->Read(*path);
    const auto observe = UintOption(request, COAP_OPTION_OBSERVE);
    const Bytes token = TokenOf(request);
    if (observe) std::erase_if(self.observations, [&](const Observation& o) { return o.token == token; });
    if (!records) return Reply(response, records.error().code, records.error().message);
    ContentFormat format = ContentFormat::kTlv;
    if (auto accept = UintOption(request, COAP_OPTION_ACCEPT)) {
      format = static_cast<ContentFormat>(*accept);
    } else if (path->depth >= 3 && records->size() == 1 && records->front().path == *path) {
      format = std::holds_alternative<Bytes>(records->front().value) ? ContentFormat::kOpaque : ContentFormat::kText;
    }
    auto payload = EncodeRecords(format, *path, *records);
    if (!payload) return Reply(response, 406, payload.error());
    coap_pdu_set_code(response, COAP_RESPONSE_CODE_CONTENT);
    if (observe && *observe == 0) {  // Observe register (RFC 7641 2): this answer is the first notification
      self.observations.push_back(
          Observation{token, *path, format, MonotonicSeconds(), *payload, NumberOf(*records)});
      AddUintOption(response, COAP_OPTION_OBSERVE, self.observe_sequence++ & 0xFFFFFF);
    }
    // Block-wise (block2) for large values; libcoap keeps a copy for the later blocks.
    AddResponseBody(resource, session, request, query, response, static_cast<uint16_t>(format), std::move(*payload));
  }

  static void HandleWrite(coap_resource_t*, coap_session_t* session, const coap_pdu_t* request, const coap_string_t*,
                          coap_pdu_t* response) {
    Impl& self = Of(session);
    const auto path = RequestPath(request);
    if (!path) return Reply(response, 404, "not an LwM2M path");
    const Bytes body = BodyOf(request);
    if (body.empty() && coap_pdu_get_code(request) == COAP_REQUEST_CODE_PUT) {
      return HandleWriteAttributes(self, request, *path, response);
    }
    const auto format = UintOption(request, COAP_OPTION_CONTENT_FORMAT);
    if (!format) return Reply(response, 400, "a write needs a Content-Format");
    auto records = DecodeRecords(static_cast<ContentFormat>(*format), *path, body, TypeOfResource);
    if (!records) return Reply(response, 400, records.error());
    if (auto r = self.objects->Write(*path, *records); !r) return Reply(response, r.error().code, r.error().message);
    coap_pdu_set_code(response, COAP_RESPONSE_CODE_CHANGED);
  }

  /// Write-Attributes (core spec 5.4.4): a PUT with the attributes as its query and no body.
  static void HandleWriteAttributes(Impl& self, const coap_pdu_t* request, const Path& path, coap_pdu_t* response) {
    coap_string_t* query = coap_get_query(request);
    const std::string text = query == nullptr ? "" : std::string(reinterpret_cast<const char*>(query->s), query->length);
    coap_delete_string(query);
    if (text.empty()) return Reply(response, 400, "a Write-Attributes names attributes in its query");
    auto update = ParseAttributeQuery(text);
    if (!update) return Reply(response, 400, update.error());
    if (auto exists = self.objects->Read(path); !exists) return Reply(response, exists.error().code, exists.error().message);
    if (auto applied = self.attributes.Apply(path, *update); !applied) return Reply(response, 400, applied.error());
    coap_pdu_set_code(response, COAP_RESPONSE_CODE_CHANGED);
  }

  /// The Server object's Default Minimum/Maximum Period (1/0/2, 1/0/3), where the device sets them.
  NotificationAttributes Defaults() const {
    NotificationAttributes d;
    auto seconds = [this](uint16_t r) -> std::optional<int64_t> {
      const auto v = objects->Get(MakePath({kServerObject, 0, r}));
      if (v && std::holds_alternative<int64_t>(*v)) return std::get<int64_t>(*v);
      return std::nullopt;
    };
    d.pmin = seconds(2);
    d.pmax = seconds(3);
    return d;
  }

  /// Sends each observation that is due (observe.h decides) a notification: a confirmable
  /// 2.05 with the observation's token and the next Observe sequence number.
  void Notify() {
    if (observations.empty() || session == nullptr) return;
    const double now = MonotonicSeconds();
    const NotificationAttributes defaults = Defaults();
    for (auto it = observations.begin(); it != observations.end();) {
      Observation& o = *it;
      auto records = objects->Read(o.path);
      if (!records) {  // the instance was deleted: a final 4.04 ends the observation (RFC 7641 3.2)
        SendNotification(o, 404, {});
        it = observations.erase(it);
        continue;
      }
      auto payload = EncodeRecords(o.format, o.path, *records);
      const std::optional<double> number = NumberOf(*records);
      if (payload && NotificationDue(o, attributes.Effective(o.path, defaults), now, *payload, number)) {
        SendNotification(o, 205, *payload);
        o.last_sent = now;
        o.last_payload = std::move(*payload);
        o.last_number = number;
      }
      ++it;
    }
  }

  void SendNotification(const Observation& o, int code, const Bytes& payload) {
    coap_pdu_t* pdu = coap_pdu_init(COAP_MESSAGE_CON, static_cast<coap_pdu_code_t>(COAP_RESPONSE_CODE(code)),
                                    coap_new_message_id(session), coap_session_max_pdu_size(session));
    if (pdu == nullptr) return;
    coap_add_token(pdu, o.token.size(), o.token.data());
    if (code == 205) {
      AddUintOption(pdu, COAP_OPTION_OBSERVE, observe_sequence++ & 0xFFFFFF);
      AddUintOption(pdu, COAP_OPTION_CONTENT_FORMAT, static_cast<unsigned>(o.format));
      // A value larger than one datagram goes as its first block (RFC 7959 2.6); the server
      // asks for the rest with a GET.
      const size_t room = coap_session_max_pdu_size(session) - 64;
      if (payload.size() > room) {
        unsigned szx = 6;
        while (szx > 0 && (16u << szx) > room) --szx;
        AddUintOption(pdu, COAP_OPTION_BLOCK2, (0u << 4) | (1u << 3) | szx);
        coap_add_data(pdu, 16u << szx, payload.data());
      } else {
        coap_add_data(pdu, payload.size(), payload.data());
      }
    }
    coap_send(session, pdu);
  }

  /// POST: Execute on a resource; a partial-update Write on an instance.
  static void HandlePost(coap_resource_t* resource, coap_session_t* session, const coap_pdu_t* request,
                         const coap_string_t* query, coap_pdu_t* response) {
    Impl& self = Of(session);
    const auto path = RequestPath(request);
    if (!path) return Reply(response, 404, "not an LwM2M path");
    if (path->depth == 1) return HandleCreate(session, request, *path, response);
    if (path->depth != 3) return HandleWrite(resource, session, request, query, response);
    const Bytes args = BodyOf(request);
    if (auto r = self.objects->Execute(*path, std::string_view(reinterpret_cast<const char*>(args.data()), args.size())); !r) {
      return Reply(response, r.error().code, r.error().message);
    }
    coap_pdu_set_code(response, COAP_RESPONSE_CODE_CHANGED);
  }

  /// Create (POST on an object): 2.01 with the new instance's Location-Path.
  static void HandleCreate(coap_session_t* session, const coap_pdu_t* request, const Path& path, coap_pdu_t* response) {
    Impl& self = Of(session);
    std::vector<Record> records;
    if (const Bytes body = BodyOf(request); !body.empty()) {
      const auto format = UintOption(request, COAP_OPTION_CONTENT_FORMAT);
      if (!format) return Reply(response, 400, "a Create with values needs a Content-Format");
      auto decoded = DecodeRecords(static_cast<ContentFormat>(*format), path, body, TypeOfResource);
      if (!decoded) return Reply(response, 400, decoded.error());
      records = std::move(*decoded);
    }
    auto instance = self.objects->Create(path.object(), records);
    if (!instance) return Reply(response, instance.error().code, instance.error().message);
    AddTextOption(response, COAP_OPTION_LOCATION_PATH, std::to_string(path.object()));
    AddTextOption(response, COAP_OPTION_LOCATION_PATH, std::to_string(*instance));
    coap_pdu_set_code(response, COAP_RESPONSE_CODE_CREATED);
    self.update_requested = true;  // the object list changed: the next Update carries it
  }

  static void HandleDelete(coap_resource_t*, coap_session_t* session, const coap_pdu_t* request, const coap_string_t*,
                           coap_pdu_t* response) {
    Impl& self = Of(session);
    const auto path = RequestPath(request);
    if (!path) return Reply(response, 404, "not an LwM2M path");
    if (auto r = self.objects->Delete(*path); !r) return Reply(response, r.error().code, r.error().message);
    coap_pdu_set_code(response, COAP_RESPONSE_CODE_DELETED);
    self.update_requested = true;
  }

  void Loop() {
    while (!stopping.load()) {
      wakeup.WaitForIo(context, 100);  // network I/O, or a change in the ObjectStore
      Notify();
      bool act = false, with_objects = false;
      {
        std::lock_guard lock(mutex);
        if (!awaiting && (Clock::now() >= next_action || update_requested.load())) {
          act = true;
          with_objects = update_requested.exchange(false);
        }
      }
      if (!act) continue;
      if (location.empty()) SendRegister();
      else SendUpdate(with_objects);
    }
    // De-register, waiting a little for the answer.
    if (!location.empty() && session != nullptr) {
      coap_pdu_t* pdu = NewRequest(COAP_REQUEST_CODE_DELETE);
      AddPathOptions(pdu, location);
      coap_send(session, pdu);
      const auto until = Clock::now() + std::chrono::seconds(2);
      while (!deregistered && Clock::now() < until) coap_io_process(context, 50);
    }
  }
};

Lwm2mClient::Lwm2mClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Lwm2mClient::~Lwm2mClient() {
  impl_->stopping = true;
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->objects->OnChange(nullptr);
  if (impl_->session != nullptr) coap_session_release(impl_->session);
  coap_free_context(impl_->context);
}

Lwm2mResult<std::unique_ptr<Lwm2mClient>> Lwm2mClient::Start(Lwm2mClientOptions options, ObjectStore& objects) {
  StartCoap();
  const bool secure = options.server.rfind("coaps://", 0) == 0;
  if (!secure && options.server.rfind("coap://", 0) != 0) {
    return Lwm2mFail("server '" + options.server + "' is not coap://HOST:PORT or coaps://HOST:PORT");
  }
  auto hp = SplitHostPort(options.server.substr(secure ? 8 : 7));
  if (!hp) return Lwm2mFail(hp.error());
  auto address = ResolveUdpAddress(hp->first, hp->second, false);
  if (!address) return Lwm2mFail(address.error());
  if (secure && options.psk_key.empty()) return Lwm2mFail("coaps needs a PSK key");
  if (options.psk_identity.empty()) options.psk_identity = options.endpoint;

  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->objects = &objects;
  impl->context = coap_new_context(nullptr);
  if (impl->context == nullptr) return Lwm2mFail("cannot create a CoAP context");
  std::unique_ptr<Lwm2mClient> client(new Lwm2mClient(std::move(impl)));
  Impl& self = *client->impl_;
  coap_set_app_data(self.context, &self);
  coap_context_set_block_mode(self.context, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
  coap_register_response_handler(self.context, Impl::OnResponse);
  coap_register_nack_handler(self.context, Impl::OnNack);
  // The server's requests name any object path: one handler for all of them.
  coap_resource_t* any = coap_resource_unknown_init2(Impl::HandleWrite, 0);
  coap_register_handler(any, COAP_REQUEST_GET, Impl::HandleRead);
  coap_register_handler(any, COAP_REQUEST_POST, Impl::HandlePost);
  coap_register_handler(any, COAP_REQUEST_DELETE, Impl::HandleDelete);
  coap_add_resource(self.context, any);
  if (secure) {
    coap_dtls_cpsk_t psk{};
    psk.version = COAP_DTLS_CPSK_SETUP_VERSION;
    psk.psk_info.identity = {self.options.psk_identity.size(), reinterpret_cast<const uint8_t*>(self.options.psk_identity.data())};
    psk.psk_info.key = {self.options.psk_key.size(), self.options.psk_key.data()};
    self.session = coap_new_client_session_psk2(self.context, nullptr, &*address, COAP_PROTO_DTLS, &psk);
  } else {
    self.session = coap_new_client_session(self.context, nullptr, &*address, COAP_PROTO_UDP);
  }
  if (self.session == nullptr) return Lwm2mFail("cannot open a CoAP session to " + self.options.server);
  objects.OnChange([&self] { self.wakeup.Ring(); });
  self.thread = std::thread([&self] { self.Loop(); });
  return client;
}

bool Lwm2mClient::registered() const {
  std::lock_guard lock(impl_->mutex);
  return !impl_->location.empty();
}

std::string Lwm2mClient::location() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->location.empty() ? "" : "/" + impl_->location;
}

std::string Lwm2mClient::last_error() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->last_error;
}

void Lwm2mClient::RequestUpdate() { impl_->update_requested = true; }

void Lwm2mClient::SetLifetime(int64_t seconds) {
  impl_->new_lifetime = seconds;
  impl_->update_requested = true;
}

}  // namespace tml::lwm2m
