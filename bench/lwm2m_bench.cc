// LwM2M server load: N simulated clients in this one process (one libcoap context, one UDP
// session each) register with `tinymlaas serve` (its LwM2M server on loopback, plain CoAP),
// for N = 1, 100, 1,000, 10,000. Prints registrations per second, the Update round trip
// p50/p99 with all N registered, the notify latency p50/p99 with all N registered (a device's
// notification until an operator's observe stream shows it: CoAP, the server, HTTP), the
// server process's RSS and CPU time, and how fast the API provisions the N devices first (one
// POST each). Then a 300 KB Package pushed to one device by block-wise write (Block1) per
// block size, the device asking for the size (RFC 7959 2.3): seconds and throughput. Goal
// (issue 7): 10,000 registered devices on 2 cores under 200 MB RSS. Prints; asserts nothing.
//
//   build/bench/lwm2m [--tinymlaas PATH] [--counts 1,100,1000,10000] [--json FILE]
#include <coap3/coap.h>
#include <httplib.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/coap_peer.h"
#include "bench/serve_process.h"

namespace {

using tml::bench::Clock;
using tml::bench::Percentile;
using tml::bench::Seconds;
using tml::bench::ServeProcess;
using tml::bench::StartServe;
using tml::bench::Usage;

struct Client {
  coap_session_t* session = nullptr;
  std::string location;
  Clock::time_point sent;
};

struct Load {
  std::vector<Client> clients;
  std::map<coap_session_t*, size_t> index;
  size_t answered = 0, failed = 0;
  std::vector<double> round_trips_ms;
};

Load* g_load = nullptr;

coap_response_t OnResponse(coap_session_t* session, const coap_pdu_t*, const coap_pdu_t* received, const coap_mid_t) {
  auto it = g_load->index.find(session);
  if (it == g_load->index.end()) return COAP_RESPONSE_OK;
  Client& c = g_load->clients[it->second];
  const coap_pdu_code_t code = coap_pdu_get_code(received);
  if ((code >> 5) != 2) {
    ++g_load->failed;
  } else if (c.location.empty()) {
    coap_opt_iterator_t opts;
    coap_option_iterator_init(received, &opts, COAP_OPT_ALL);
    while (coap_opt_t* o = coap_option_next(&opts)) {
      if (opts.number == COAP_OPTION_LOCATION_PATH) {
        c.location += (c.location.empty() ? "" : "/") + std::string(reinterpret_cast<const char*>(coap_opt_value(o)), coap_opt_length(o));
      }
    }
  }
  g_load->round_trips_ms.push_back(Seconds(c.sent, Clock::now()) * 1000);
  ++g_load->answered;
  return COAP_RESPONSE_OK;
}

void Send(coap_context_t*, Client& c, const std::string& endpoint, bool update) {
  coap_pdu_t* pdu = tml::bench::NewRequest(c.session, COAP_REQUEST_CODE_POST);
  auto text = [&](coap_option_num_t n, const std::string& v) {
    coap_add_option(pdu, n, v.size(), reinterpret_cast<const uint8_t*>(v.data()));
  };
  if (update) {
    const size_t slash = c.location.find('/');
    text(COAP_OPTION_URI_PATH, c.location.substr(0, slash));
    text(COAP_OPTION_URI_PATH, c.location.substr(slash + 1));
  } else {
    text(COAP_OPTION_URI_PATH, "rd");
    uint8_t buf[4];
    coap_add_option(pdu, COAP_OPTION_CONTENT_FORMAT, coap_encode_var_safe(buf, sizeof(buf), 40), buf);
    text(COAP_OPTION_URI_QUERY, "ep=" + endpoint);
    text(COAP_OPTION_URI_QUERY, "lt=3600");
    text(COAP_OPTION_URI_QUERY, "lwm2m=1.1");
    const std::string links = "</1/0>,</3/0>,</5/0>,</9/0>,</26241/0>";
    coap_add_data(pdu, links.size(), reinterpret_cast<const uint8_t*>(links.data()));
  }
  c.sent = Clock::now();
  coap_send(c.session, pdu);
}

/// What the simulated devices answer: an Observe of anything (plain text "0"), and the
/// blocks of a Package write (Block1, in the block size the bench asks for).
struct DeviceSide {
  std::map<coap_session_t*, std::vector<uint8_t>> observe_token;  // the server's observation
  unsigned block_szx = 6;       // the block size devices ask the server to use
  size_t package_bytes = 0;     // received by block-wise write
  bool package_done = false;
  Clock::time_point package_started;
};
DeviceSide g_device;

void AnswerGet(coap_resource_t*, coap_session_t* session, const coap_pdu_t* request, const coap_string_t*,
               coap_pdu_t* response) {
  coap_opt_iterator_t it;
  if (coap_opt_t* o = coap_check_option(request, COAP_OPTION_OBSERVE, &it); o != nullptr) {
    if (coap_decode_var_bytes(coap_opt_value(o), coap_opt_length(o)) == 0) {
      const coap_bin_const_t token = coap_pdu_get_token(request);
      g_device.observe_token[session].assign(token.s, token.s + token.length);
      uint8_t buf[4];
      coap_add_option(response, COAP_OPTION_OBSERVE, coap_encode_var_safe(buf, sizeof(buf), 1), buf);
    } else {
      g_device.observe_token.erase(session);
    }
  }
  coap_pdu_set_code(response, COAP_RESPONSE_CODE_CONTENT);
  coap_add_option(response, COAP_OPTION_CONTENT_FORMAT, 0, nullptr);
  coap_add_data(response, 1, reinterpret_cast<const uint8_t*>("0"));
}

void AnswerPut(coap_resource_t*, coap_session_t*, const coap_pdu_t* request, const coap_string_t*, coap_pdu_t* response) {
  size_t size = 0;
  const uint8_t* data = nullptr;
  coap_get_data(request, &size, &data);
  coap_block_t block{0, 0, 6};
  const bool blockwise = coap_get_block(request, COAP_OPTION_BLOCK1, &block) != 0;
  if (!blockwise || block.num == 0) {
    g_device.package_bytes = 0;
    g_device.package_started = Clock::now();
  }
  g_device.package_bytes += size;
  const unsigned szx = std::min(block.szx, g_device.block_szx);
  uint8_t buf[4];
  if (blockwise) {
    // Block1 echoes the block; a smaller szx asks the sender for smaller blocks from now on.
    coap_pdu_set_code(response, static_cast<coap_pdu_code_t>(block.m ? COAP_RESPONSE_CODE(231) : COAP_RESPONSE_CODE(204)));
    coap_add_option(response, COAP_OPTION_BLOCK1, coap_encode_var_safe(buf, sizeof(buf), (block.num << 4) | (block.m << 3) | szx), buf);
  } else {
    coap_pdu_set_code(response, static_cast<coap_pdu_code_t>(COAP_RESPONSE_CODE(204)));
  }
  if (!blockwise || !block.m) g_device.package_done = true;
}

/// A notification of the observation the server made on `session`: 2.05 with the next
/// Observe number and `value` as plain text.
void Notify(coap_session_t* session, uint32_t sequence, const std::string& value) {
  const auto& token = g_device.observe_token[session];
  coap_pdu_t* pdu = coap_pdu_init(COAP_MESSAGE_CON, COAP_RESPONSE_CODE_CONTENT, coap_new_message_id(session),
                                  coap_session_max_pdu_size(session));
  coap_add_token(pdu, token.size(), token.data());
  uint8_t buf[4];
  coap_add_option(pdu, COAP_OPTION_OBSERVE, coap_encode_var_safe(buf, sizeof(buf), sequence), buf);
  coap_add_option(pdu, COAP_OPTION_CONTENT_FORMAT, 0, nullptr);
  coap_add_data(pdu, value.size(), reinterpret_cast<const uint8_t*>(value.data()));
  coap_send(session, pdu);
}

template <typename Pred>
bool PumpUntil(coap_context_t* ctx, Pred done, double seconds) {
  const auto until = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  while (!done() && Clock::now() < until) coap_io_process(ctx, 1);
  return done();
}

/// Notify latency: for up to `devices` of the registered clients in turn, an operator's
/// observe stream (GET .../observe/3/0/9) is opened and the device sends `per_device`
/// notifications, each timed from its sending until the stream's line arrives.
std::vector<double> NotifyLatencies(coap_context_t* ctx, Load& load, const std::string& url, const httplib::Headers& auth,
                                    size_t devices, int per_device) {
  std::vector<double> latencies;
  for (size_t d = 0; d < std::min(devices, load.clients.size()); ++d) {
    const size_t i = d * (load.clients.size() / std::min(devices, load.clients.size()));
    coap_session_t* session = load.clients[i].session;
    std::mutex mutex;
    std::vector<Clock::time_point> lines;
    std::thread stream([&] {
      httplib::Client api(url);
      api.set_read_timeout(30, 0);
      api.Get("/api/v1/devices/bench-" + std::to_string(i) + "/observe/3/0/9?format=text&timeout=20&count=" +
                  std::to_string(per_device),
              auth, [&](const char* data, size_t size) {
                std::lock_guard lock(mutex);
                for (size_t k = 0; k < size; ++k) {
                  if (data[k] == '\n') lines.push_back(Clock::now());
                }
                return true;
              });
    });
    auto line_count = [&] {
      std::lock_guard lock(mutex);
      return lines.size();
    };
    if (PumpUntil(ctx, [&] { return g_device.observe_token.count(session) > 0 && line_count() >= 1; }, 10)) {
      for (int k = 1; k <= per_device; ++k) {
        const auto sent = Clock::now();
        Notify(session, static_cast<uint32_t>(k + 1), std::to_string(k));
        if (!PumpUntil(ctx, [&] { return line_count() >= static_cast<size_t>(k + 1); }, 5)) break;
        std::lock_guard lock(mutex);
        latencies.push_back(Seconds(sent, lines[static_cast<size_t>(k)]) * 1000);
      }
    }
    // The stream ends after `per_device` notifications; the server then cancels the observation.
    PumpUntil(ctx, [&] { return g_device.observe_token.count(session) == 0; }, 2);
    stream.join();
  }
  return latencies;
}

/// Sends one request per client with at most `window` in flight; returns the seconds taken.
double Round(coap_context_t* ctx, Load& load, bool update, size_t window) {
  load.answered = load.failed = 0;
  load.round_trips_ms.clear();
  const auto start = Clock::now();
  size_t next = 0;
  const auto deadline = start + std::chrono::seconds(120);
  while (load.answered + 0 < load.clients.size() && Clock::now() < deadline) {
    while (next < load.clients.size() && next - load.answered < window) {
      Send(ctx, load.clients[next], "bench-" + std::to_string(next), update);
      ++next;
    }
    coap_io_process(ctx, 10);
  }
  return Seconds(start, Clock::now());
}


/// A 300 KB Package (5/0/0) written to one device through the API (the server sends it
/// block-wise), per block size the device asks for; prints and returns the table.
nlohmann::json BlockwiseFota(coap_context_t* ctx, Load& load, const std::string& url, const httplib::Headers& auth) {
  constexpr size_t kBytes = 300 * 1024;
  std::string image(kBytes, '\0');
  for (size_t i = 0; i < kBytes; ++i) image[i] = static_cast<char>(i * 31 + 7);
  static const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string encoded;
  for (size_t i = 0; i < kBytes; i += 3) {
    const uint32_t v = (static_cast<uint8_t>(image[i]) << 16) | (i + 1 < kBytes ? static_cast<uint8_t>(image[i + 1]) << 8 : 0) |
                       (i + 2 < kBytes ? static_cast<uint8_t>(image[i + 2]) : 0);
    encoded += b64[(v >> 18) & 63];
    encoded += b64[(v >> 12) & 63];
    encoded += i + 1 < kBytes ? b64[(v >> 6) & 63] : '=';
    encoded += i + 2 < kBytes ? b64[v & 63] : '=';
  }
  const std::string body = "{\"value\": {\"base64\": \"" + encoded + "\"}}";
  std::printf("\nBlock-wise FOTA: a 300 KB Package (5/0/0) written to one device through the API (Block1)\n");
  std::printf("%10s %8s %10s %12s %8s\n", "block B", "blocks", "seconds", "KB/s", "result");
  nlohmann::json rows = nlohmann::json::array();
  for (unsigned szx = 0; szx <= 6; ++szx) {
    g_device = DeviceSide{};
    g_device.block_szx = szx;
    int status = 0;
    std::thread write([&] {
      httplib::Client api(url);
      api.set_read_timeout(120, 0);
      auto r = api.Put("/api/v1/devices/bench-0/objects/5/0/0", auth, body, "application/json");
      status = r ? r->status : -1;
    });
    PumpUntil(ctx, [&] { return g_device.package_done; }, 120);
    const double s = Seconds(g_device.package_started, Clock::now());
    write.join();
    const unsigned block = 16u << szx;
    const bool ok = status == 200 && g_device.package_bytes >= kBytes;
    std::printf("%10u %8zu %10.2f %12.1f %8s\n", block, (g_device.package_bytes + block - 1) / block, s,
                static_cast<double>(g_device.package_bytes) / 1024.0 / s, ok ? "ok" : std::to_string(status).c_str());
    rows.push_back({{"block_bytes", block}, {"seconds", s}, {"kb_per_s", static_cast<double>(g_device.package_bytes) / 1024.0 / s},
                    {"bytes", g_device.package_bytes}, {"http_status", status}});
  }
  (void)load;
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  std::string binary = TML_TINYMLAAS, json_path = "bench-lwm2m.json", counts_text = "1,100,1000,10000";
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--tinymlaas") == 0) binary = argv[++i];
    else if (std::strcmp(argv[i], "--counts") == 0) counts_text = argv[++i];
    else if (std::strcmp(argv[i], "--json") == 0) json_path = argv[++i];
  }
  std::vector<size_t> counts;
  for (std::stringstream in(counts_text); in.good();) {
    std::string n;
    std::getline(in, n, ',');
    if (!n.empty()) counts.push_back(std::stoul(n));
  }
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
  coap_startup();
  coap_set_log_level(LOG_ERR);

  std::printf("LwM2M registrations against tinymlaas serve (plain CoAP on loopback, 64 requests in flight)\n");
  std::printf("%8s %10s %12s %12s %12s %12s %12s %12s %10s %10s %8s\n", "clients", "prov/s", "reg/s", "reg p50 ms",
              "upd p50 ms", "upd p99 ms", "ntf p50 ms", "ntf p99 ms", "RSS MB", "CPU s", "failed");
  nlohmann::json rows = nlohmann::json::array(), block_rows = nlohmann::json::array();
  for (size_t n : counts) {
    const std::string data = std::filesystem::absolute("bench-lwm2m-data-" + std::to_string(n)).string();
    std::filesystem::remove_all(data);
    ServeProcess server = StartServe(binary, data);
    if (server.token.empty()) {
      std::fprintf(stderr, "error: the server did not start (log: %s.log)\n", data.c_str());
      return 1;
    }
    httplib::Client api(server.url);
    api.set_keep_alive(true);
    api.set_tcp_nodelay(true);
    const httplib::Headers auth = {{"Authorization", "Bearer " + server.token}};
    const auto provision_start = Clock::now();
    for (size_t i = 0; i < n; ++i) {
      auto r = api.Post("/api/v1/devices", auth, "{\"endpoint\": \"bench-" + std::to_string(i) + "\"}", "application/json");
      if (!r || r->status != 201) {
        std::fprintf(stderr, "error: provisioning bench-%zu failed\n", i);
        return 1;
      }
    }
    const double provision_s = Seconds(provision_start, Clock::now());
    coap_context_t* ctx = coap_new_context(nullptr);
    coap_register_response_handler(ctx, OnResponse);
    coap_resource_t* device = coap_resource_unknown_init2(AnswerPut, 0);
    coap_register_handler(device, COAP_REQUEST_GET, AnswerGet);
    coap_add_resource(ctx, device);
    g_device = DeviceSide{};
    Load load;
    g_load = &load;
    const coap_address_t dst = tml::bench::LoopbackAddress(server.coap_port);
    load.clients.resize(n);
    for (size_t i = 0; i < n; ++i) {
      load.clients[i].session = coap_new_client_session(ctx, nullptr, &dst, COAP_PROTO_UDP);
      load.index[load.clients[i].session] = i;
    }
    const auto [rss0, cpu0] = Usage(server.pid);
    const double reg_s = Round(ctx, load, false, 64);
    const size_t registered = load.answered - load.failed;
    const double reg_p50 = Percentile(load.round_trips_ms, 0.5);
    const auto [rss1, cpu1] = Usage(server.pid);
    Round(ctx, load, true, 64);
    const double upd_p50 = Percentile(load.round_trips_ms, 0.5), upd_p99 = Percentile(load.round_trips_ms, 0.99);
    const auto [rss2, cpu2] = Usage(server.pid);
    const std::vector<double> notify_ms = NotifyLatencies(ctx, load, server.url, auth, 20, 10);
    const double ntf_p50 = Percentile(notify_ms, 0.5), ntf_p99 = Percentile(notify_ms, 0.99);
    std::printf("%8zu %10.0f %12.0f %12.2f %12.2f %12.2f %12.2f %12.2f %10.1f %10.2f %8zu\n", n,
                static_cast<double>(n) / provision_s, static_cast<double>(registered) / reg_s, reg_p50, upd_p50, upd_p99,
                ntf_p50, ntf_p99, std::max(rss1, rss2), cpu2 - cpu0, n - registered + load.failed);
    std::fflush(stdout);
    rows.push_back({{"clients", n}, {"provisioned_per_s", static_cast<double>(n) / provision_s}, {"registrations_per_s", static_cast<double>(registered) / reg_s},
                    {"register_p50_ms", reg_p50}, {"update_p50_ms", upd_p50}, {"update_p99_ms", upd_p99},
                    {"server_rss_mb_idle", rss0}, {"server_rss_mb", std::max(rss1, rss2)}, {"server_cpu_s", cpu2 - cpu0},
                    {"registered", registered}, {"notify_p50_ms", ntf_p50}, {"notify_p99_ms", ntf_p99},
                    {"notify_samples", notify_ms.size()}});
    if (n == counts.front()) block_rows = BlockwiseFota(ctx, load, server.url, auth);
    for (auto& c : load.clients) coap_session_release(c.session);
    coap_free_context(ctx);
    tml::bench::StopServe(server);
    std::filesystem::remove_all(data);
    std::filesystem::remove(data + ".log");
  }
  std::printf("\nGoal (issue 7): 10,000 registered devices on 2 cores under 200 MB RSS. Notify latency: 20\n"
              "devices spread over the N, 10 notifications each, while all N are registered.\n");
  std::ofstream(json_path) << nlohmann::json({{"registrations", rows}, {"blockwise_fota", block_rows}}).dump(2) << "\n";
  std::printf("JSON: %s\n", json_path.c_str());
  return 0;
}
