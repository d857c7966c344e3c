// The time to update a fleet at once: `tinymlaas serve` builds a model for netduinoplus2 (the
// built-in builder), then one FOTA deployment goes to N simulated devices (default 100) in
// this process, which implement what the deployment uses of objects 3 and 5: Observe of /5/0,
// the Package URI fetched block by block over CoAP (delivery coap-pull) or the Package pushed
// by block-wise write (push), Update, and the Firmware Version of the new build. Prints, per
// delivery, the seconds until every device succeeded, each device's own p50/p99, the package
// size and the server's RSS and CPU. Prints; asserts nothing.
//
//   build/bench/fota-fleet [--tinymlaas PATH] [--model FILE] [--devices 100] [--json FILE]
#include <coap3/coap.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "bench/coap_peer.h"
#include "bench/serve_process.h"

namespace {

using nlohmann::json;
using tml::bench::Clock;
using tml::bench::Percentile;
using tml::bench::Seconds;

/// One simulated device: what it registered as, its object 5 and 3, and the fetch in flight.
struct Device {
  coap_session_t* session = nullptr;
  std::string endpoint, location, version = "image-sim";
  int64_t state = 0, result = 0;
  std::string observe_token;  // the server's observation of /5/0
  uint32_t observe_sequence = 2;
  std::string fetch_path, fetch_token;
  uint32_t next_block = 0;
  size_t received = 0;
  Clock::time_point done_at;
  bool done = false;
  bool update_pending = false;
};

struct Fleet {
  std::vector<Device> devices;
  std::map<coap_session_t*, size_t> index;
  std::string new_version;  // what a device reports after Update ("build-N")
} g_fleet;

Device& Of(coap_session_t* session) { return g_fleet.devices[g_fleet.index.at(session)]; }

std::string PathOf(const coap_pdu_t* pdu) {
  coap_string_t* uri = coap_get_uri_path(pdu);
  std::string path = uri == nullptr ? "" : std::string(reinterpret_cast<const char*>(uri->s), uri->length);
  coap_delete_string(uri);
  return path;
}

std::string TokenOf(const coap_pdu_t* pdu) {
  const coap_bin_const_t t = coap_pdu_get_token(pdu);
  return std::string(reinterpret_cast<const char*>(t.s), t.length);
}

void AddUint(coap_pdu_t* pdu, coap_option_num_t number, unsigned value) {
  uint8_t buf[4];
  coap_add_option(pdu, number, coap_encode_var_safe(buf, sizeof(buf), value), buf);
}

std::string Senml5(const Device& d) {
  return json::array({{{"bn", "/5/0/"}, {"n", "3"}, {"v", d.state}}, {{"n", "5"}, {"v", d.result}}}).dump();
}

void Notify(Device& d) {
  if (d.observe_token.empty()) return;
  coap_pdu_t* pdu = coap_pdu_init(COAP_MESSAGE_CON, COAP_RESPONSE_CODE_CONTENT, coap_new_message_id(d.session),
                                  coap_session_max_pdu_size(d.session));
  coap_add_token(pdu, d.observe_token.size(), reinterpret_cast<const uint8_t*>(d.observe_token.data()));
  AddUint(pdu, COAP_OPTION_OBSERVE, d.observe_sequence++);
  AddUint(pdu, COAP_OPTION_CONTENT_FORMAT, 110);
  const std::string body = Senml5(d);
  coap_add_data(pdu, body.size(), reinterpret_cast<const uint8_t*>(body.data()));
  coap_send(d.session, pdu);
}

void SetState(Device& d, int64_t state, int64_t result) {
  d.state = state;
  d.result = result;
  Notify(d);
}

void RequestBlock(Device& d) {
  coap_pdu_t* pdu = tml::bench::NewRequest(d.session, COAP_REQUEST_CODE_GET, &d.fetch_token);
  for (size_t at = 0; at < d.fetch_path.size();) {
    const size_t slash = std::min(d.fetch_path.find('/', at), d.fetch_path.size());
    coap_add_option(pdu, COAP_OPTION_URI_PATH, slash - at, reinterpret_cast<const uint8_t*>(d.fetch_path.data() + at));
    at = slash + 1;
  }
  AddUint(pdu, COAP_OPTION_BLOCK2, (d.next_block << 4) | 6);
  coap_send(d.session, pdu);
}

/// The TLV of one string resource (5/0/1 Package URI, as a server writes it).
std::string TlvString(const uint8_t* data, size_t size) {
  if (size < 2) return "";
  const uint8_t type = data[0];
  size_t at = 1 + ((type & 0x20) ? 2 : 1), length = type & 7;
  const unsigned length_bytes = (type >> 3) & 3;
  if (length_bytes > 0) {
    length = 0;
    for (unsigned i = 0; i < length_bytes && at < size; ++i) length = length << 8 | data[at++];
  }
  return at + length <= size ? std::string(reinterpret_cast<const char*>(data + at), length) : "";
}

void Handle(coap_resource_t*, coap_session_t* session, const coap_pdu_t* request, const coap_string_t*, coap_pdu_t* response) {
  Device& d = Of(session);
  const std::string path = PathOf(request);
  const coap_pdu_code_t method = coap_pdu_get_code(request);
  size_t size = 0;
  const uint8_t* data = nullptr;
  coap_get_data(request, &size, &data);
  auto content = [&](unsigned format, const std::string& body) {
    coap_pdu_set_code(response, COAP_RESPONSE_CODE_CONTENT);
    AddUint(response, COAP_OPTION_CONTENT_FORMAT, format);
    coap_add_data(response, body.size(), reinterpret_cast<const uint8_t*>(body.data()));
  };
  if (method == COAP_REQUEST_CODE_GET && path == "5/0") {
    coap_opt_iterator_t it;
    if (coap_opt_t* o = coap_check_option(request, COAP_OPTION_OBSERVE, &it)) {
      if (coap_decode_var_bytes(coap_opt_value(o), coap_opt_length(o)) == 0) {
        d.observe_token = TokenOf(request);
        AddUint(response, COAP_OPTION_OBSERVE, 1);
      } else if (TokenOf(request) == d.observe_token) {
        d.observe_token.clear();
      }
    }
    return content(110, Senml5(d));
  }
  if (method == COAP_REQUEST_CODE_GET && path == "3/0") {
    return content(110, json::array({{{"bn", "/3/0/"}, {"n", "3"}, {"vs", d.version}}}).dump());
  }
  if (method == COAP_REQUEST_CODE_PUT && path == "5/0/1") {
    const std::string uri = TlvString(data, size);
    coap_pdu_set_code(response, COAP_RESPONSE_CODE_CHANGED);
    if (uri.empty()) return SetState(d, 0, 0);
    const size_t host_end = uri.find('/', uri.find("://") + 3);
    d.fetch_path = uri.substr(host_end + 1);
    d.next_block = 0;
    d.received = 0;
    SetState(d, 1, 0);
    return RequestBlock(d);
  }
  if (method == COAP_REQUEST_CODE_PUT && path == "5/0/0") {  // push: Block1, acknowledged block by block
    coap_block_t block{0, 0, 6};
    const bool blockwise = coap_get_block(request, COAP_OPTION_BLOCK1, &block) != 0;
    if (!blockwise || block.num == 0) {
      d.received = 0;
      SetState(d, 1, 0);
    }
    d.received += size;
    coap_pdu_set_code(response, blockwise && block.m ? COAP_RESPONSE_CODE_CONTINUE : COAP_RESPONSE_CODE_CHANGED);
    if (blockwise) AddUint(response, COAP_OPTION_BLOCK1, (block.num << 4) | (block.m << 3) | block.szx);
    if (!blockwise || !block.m) SetState(d, 2, 0);
    return;
  }
  if (method == COAP_REQUEST_CODE_POST && path == "5/0/2") {  // Update: "flash" and report the new build
    coap_pdu_set_code(response, COAP_RESPONSE_CODE_CHANGED);
    d.update_pending = true;  // after the answer, as a device would
    return;
  }
  coap_pdu_set_code(response, COAP_RESPONSE_CODE_NOT_FOUND);
}

coap_response_t OnResponse(coap_session_t* session, const coap_pdu_t*, const coap_pdu_t* received, const coap_mid_t) {
  Device& d = Of(session);
  const int code = coap_pdu_get_code(received);
  if (d.location.empty() && (code >> 5) == 2) {  // the Register's 2.01
    coap_opt_iterator_t it;
    coap_option_iterator_init(received, &it, COAP_OPT_ALL);
    while (coap_opt_t* o = coap_option_next(&it)) {
      if (it.number != COAP_OPTION_LOCATION_PATH) continue;
      d.location += (d.location.empty() ? "" : "/") + std::string(reinterpret_cast<const char*>(coap_opt_value(o)), coap_opt_length(o));
    }
    return COAP_RESPONSE_OK;
  }
  if (TokenOf(received) != d.fetch_token || d.state != 1) return COAP_RESPONSE_OK;
  if (code != COAP_RESPONSE_CODE_CONTENT) {
    SetState(d, 0, 4);  // connection lost, as far as the server can tell
    return COAP_RESPONSE_OK;
  }
  size_t size = 0;
  const uint8_t* data = nullptr;
  coap_get_data(received, &size, &data);
  d.received += size;
  coap_block_t block{0, 0, 6};
  if (coap_get_block(received, COAP_OPTION_BLOCK2, &block) && block.m) {
    d.next_block = block.num + 1;
    RequestBlock(d);
  } else {
    SetState(d, 2, 0);
  }
  return COAP_RESPONSE_OK;
}

void Register(Device& d) {
  coap_pdu_t* pdu = tml::bench::NewRequest(d.session, COAP_REQUEST_CODE_POST);
  coap_add_option(pdu, COAP_OPTION_URI_PATH, 2, reinterpret_cast<const uint8_t*>("rd"));
  AddUint(pdu, COAP_OPTION_CONTENT_FORMAT, 40);
  for (const std::string& q : {"ep=" + d.endpoint, std::string("lt=3600"), std::string("lwm2m=1.1")}) {
    coap_add_option(pdu, COAP_OPTION_URI_QUERY, q.size(), reinterpret_cast<const uint8_t*>(q.data()));
  }
  const std::string links = "</1/0>,</3/0>,</5/0>";
  coap_add_data(pdu, links.size(), reinterpret_cast<const uint8_t*>(links.data()));
  coap_send(d.session, pdu);
}

/// An Update the server executed: Updating, then (the flash takes no time here) the new build
/// runs: Idle with Update Result 1.
void RunUpdates() {
  for (Device& d : g_fleet.devices) {
    if (!d.update_pending) continue;
    d.update_pending = false;
    SetState(d, 3, 0);
    d.version = g_fleet.new_version;
    d.done = true;
    d.done_at = Clock::now();
    SetState(d, 0, 1);
  }
}

template <typename Pred>
bool Pump(coap_context_t* ctx, Pred done, double seconds) {
  const auto until = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  while (!done() && Clock::now() < until) {
    coap_io_process(ctx, 5);
    RunUpdates();
  }
  return done();
}


/// GET/POST with the admin token; the JSON body or null.
json Call(httplib::Client& api, const httplib::Headers& auth, const std::string& method, const std::string& path,
          const std::string& body = "") {
  auto r = method == "GET" ? api.Get(path, auth) : api.Post(path, auth, body, "application/json");
  if (!r || r->status >= 300) {
    std::fprintf(stderr, "error: %s %s: %s\n", method.c_str(), path.c_str(), r ? r->body.c_str() : "no answer");
    return nullptr;
  }
  return json::parse(r->body, nullptr, false);
}

}  // namespace

int main(int argc, char** argv) {
  std::string binary = TML_TINYMLAAS, model = std::string(TML_SHARED_DIR) + "/models/kws_ref_model.tflite",
              json_path = "bench-fota-fleet.json";
  size_t count = 100;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--tinymlaas") == 0) binary = argv[++i];
    else if (std::strcmp(argv[i], "--model") == 0) model = argv[++i];
    else if (std::strcmp(argv[i], "--devices") == 0) count = std::stoul(argv[++i]);
    else if (std::strcmp(argv[i], "--json") == 0) json_path = argv[++i];
  }
  coap_startup();
  coap_set_log_level(LOG_ERR);
  const std::string data = std::filesystem::absolute("bench-fota-fleet-data").string();
  std::filesystem::remove_all(data);
  tml::bench::ServeProcess server = tml::bench::StartServe(binary, data);
  if (server.token.empty()) {
    std::fprintf(stderr, "error: the server did not start (log: %s.log)\n", data.c_str());
    return 1;
  }
  httplib::Client api(server.url);
  api.set_read_timeout(60, 0);
  const httplib::Headers auth = {{"Authorization", "Bearer " + server.token}};

  // The build the fleet gets.
  std::ifstream in(model, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto pushed = api.Post("/api/v1/models?name=fleet&version=1", auth, bytes, "application/octet-stream");
  if (!pushed || pushed->status != 201) {
    std::fprintf(stderr, "error: cannot push %s: %s\n", model.c_str(), pushed ? pushed->body.c_str() : "no answer");
    return 1;
  }
  const json build = Call(api, auth, "POST", "/api/v1/builds", json({{"model", "fleet"}, {"version", "1"}, {"board", "netduinoplus2"}}).dump());
  if (build.is_null()) return 1;
  const int64_t build_id = build["id"];
  json status;
  for (int i = 0; i < 1200; ++i) {
    status = Call(api, auth, "GET", "/api/v1/builds/" + std::to_string(build_id));
    if (status.is_null() || status["status"] == "succeeded" || status["status"] == "failed") break;
    usleep(100000);
  }
  if (status.is_null() || status["status"] != "succeeded") {
    std::fprintf(stderr, "error: the build did not succeed: %s\n", status.dump().c_str());
    return 1;
  }
  g_fleet.new_version = "build-" + std::to_string(build_id);

  // The fleet: provisioned with a tag, registered over plain CoAP on loopback.
  coap_context_t* ctx = coap_new_context(nullptr);
  coap_register_response_handler(ctx, OnResponse);
  coap_resource_t* objects = coap_resource_unknown_init2(Handle, 0);
  for (coap_request_t m : {COAP_REQUEST_GET, COAP_REQUEST_POST}) coap_register_handler(objects, m, Handle);
  coap_add_resource(ctx, objects);
  const coap_address_t dst = tml::bench::LoopbackAddress(server.coap_port);
  g_fleet.devices.resize(count);
  for (size_t i = 0; i < count; ++i) {
    Device& d = g_fleet.devices[i];
    d.endpoint = "fleet-" + std::to_string(i);
    if (Call(api, auth, "POST", "/api/v1/devices", json({{"endpoint", d.endpoint}, {"tags", {"fleet"}}}).dump()).is_null()) return 1;
    d.session = coap_new_client_session(ctx, nullptr, &dst, COAP_PROTO_UDP);
    g_fleet.index[d.session] = i;
    Register(d);
  }
  auto all = [](auto pred) { return std::all_of(g_fleet.devices.begin(), g_fleet.devices.end(), pred); };
  if (!Pump(ctx, [&] { return all([](const Device& d) { return !d.location.empty(); }); }, 30)) {
    std::fprintf(stderr, "error: not every simulated device registered\n");
    return 1;
  }
  Pump(ctx, [] { return false; }, 1);  // the server reads each device's /3/0 after it registers

  std::printf("A FOTA of build %lld (netduinoplus2) to %zu simulated devices at once (tinymlaas serve, plain CoAP on loopback)\n",
              static_cast<long long>(build_id), count);
  std::printf("%-10s %8s %12s %10s %14s %14s %10s %10s %8s\n", "delivery", "devices", "package KB", "total s", "device p50 s",
              "device p99 s", "RSS MB", "CPU s", "ok");
  json rows = json::array();
  for (const std::string& delivery : {std::string("coap-pull"), std::string("push")}) {
    for (Device& d : g_fleet.devices) {
      d.version = "image-sim";
      d.done = false;
      d.state = d.result = 0;
    }
    const auto [rss0, cpu0] = tml::bench::Usage(server.pid);
    const auto start = Clock::now();
    const json created = Call(api, auth, "POST", "/api/v1/deployments",
                              json({{"build", build_id}, {"tag", "fleet"}, {"kind", "fota"}, {"delivery", delivery}}).dump());
    if (created.is_null()) return 1;
    const std::string id = std::to_string(created["id"].get<int64_t>());
    std::atomic<bool> finished = false;
    json last;
    std::thread watch([&] {
      httplib::Client poll(server.url);
      for (int i = 0; i < 6000 && !finished; ++i) {
        auto r = poll.Get("/api/v1/deployments/" + id, auth);
        if (r && r->status == 200) {
          last = json::parse(r->body, nullptr, false);
          if (last.is_object() && last["status"] != "running") finished = true;
        }
        usleep(100000);
      }
      finished = true;
    });
    Pump(ctx, [&] { return finished.load(); }, 600);
    watch.join();
    const double total = Seconds(start, Clock::now());
    std::vector<double> each;
    for (const Device& d : g_fleet.devices) {
      if (d.done) each.push_back(Seconds(start, d.done_at));
    }
    const auto [rss1, cpu1] = tml::bench::Usage(server.pid);
    const double kb = static_cast<double>(created["package"]["bytes"].get<int64_t>()) / 1024.0;
    const int64_t ok = last.is_object() ? last["counts"].value("succeeded", int64_t{0}) : 0;
    std::printf("%-10s %8zu %12.1f %10.2f %14.2f %14.2f %10.1f %10.2f %8lld\n", delivery.c_str(), count, kb, total,
                Percentile(each, 0.5), Percentile(each, 0.99), std::max(rss0, rss1), cpu1 - cpu0, static_cast<long long>(ok));
    std::fflush(stdout);
    rows.push_back({{"delivery", delivery}, {"devices", count}, {"package_kb", kb}, {"total_s", total},
                    {"device_p50_s", Percentile(each, 0.5)}, {"device_p99_s", Percentile(each, 0.99)},
                    {"server_rss_mb", std::max(rss0, rss1)}, {"server_cpu_s", cpu1 - cpu0}, {"succeeded", ok},
                    {"status", last.is_object() ? last["status"] : json()}});
  }
  std::printf("\n(the deployment runner steps the devices in turn; a push is each device's whole block-wise transfer in that turn)\n");
  std::ofstream(json_path) << rows.dump(2) << "\n";
  std::printf("JSON: %s\n", json_path.c_str());
  for (Device& d : g_fleet.devices) coap_session_release(d.session);
  coap_free_context(ctx);
  tml::bench::StopServe(server);
  std::filesystem::remove_all(data);
  return 0;
}
