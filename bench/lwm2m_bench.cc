// LwM2M server load: N simulated clients in this one process (one libcoap context, one UDP
// session each) register with `tinymlaas serve` (its LwM2M server on loopback, plain CoAP),
// for N = 1, 100, 1,000, 10,000. Prints registrations per second, the Update round trip
// p50/p99 with all N registered, the server process's RSS and CPU time (registration and
// update rounds), and how fast the API provisions the N devices first (one POST each). Goal (issue 7):
// 10,000 registered devices on 2 cores under 200 MB RSS. Prints; asserts nothing.
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
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/free_port.h"

namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

struct Server {
  pid_t pid = -1;
  std::string url, token;
  uint16_t coap_port = 0;
};

Server StartServer(const std::string& binary, const std::string& data) {
  Server s;
  s.coap_port = tml::testing_support::FreeUdpPort();
  const std::string log = data + ".log";
  std::fflush(stdout);  // the child must not print our buffered table again
  s.pid = fork();
  if (s.pid == 0) {
    freopen(log.c_str(), "w", stdout);
    freopen("/dev/null", "w", stderr);
    const std::string coap = "127.0.0.1:" + std::to_string(s.coap_port);
    execl(binary.c_str(), binary.c_str(), "serve", "--data", data.c_str(), "--http", "127.0.0.1:0", "--coap", coap.c_str(),
          nullptr);
    _exit(127);
  }
  for (int i = 0; i < 200 && s.token.empty(); ++i) {
    usleep(50000);
    std::ifstream in(log);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("TinyMLaaS serving ", 0) == 0) s.url = line.substr(18, line.find(' ', 18) - 18);
      if (line.rfind("admin token (shown once): ", 0) == 0) s.token = line.substr(26);
    }
  }
  return s;
}

/// VmRSS in MB and utime+stime in seconds of a process.
std::pair<double, double> Usage(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  double rss_mb = 0;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) rss_mb = std::stod(line.substr(6)) / 1024.0;
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::vector<std::string> f((std::istream_iterator<std::string>(fields)), std::istream_iterator<std::string>());
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double cpu = f.size() > 12 ? (std::stod(f[11]) + std::stod(f[12])) / ticks : 0;
  return {rss_mb, cpu};
}

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
  coap_pdu_t* pdu = coap_new_pdu(COAP_MESSAGE_CON, COAP_REQUEST_CODE_POST, c.session);
  uint8_t token[8];
  size_t len = 0;
  coap_session_new_token(c.session, &len, token);
  coap_add_token(pdu, len, token);
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

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
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
  std::printf("%8s %10s %12s %12s %12s %12s %10s %10s %8s\n", "clients", "prov/s", "reg/s", "reg p50 ms", "upd p50 ms",
              "upd p99 ms", "RSS MB", "CPU s", "failed");
  nlohmann::json rows = nlohmann::json::array();
  for (size_t n : counts) {
    const std::string data = std::filesystem::absolute("bench-lwm2m-data-" + std::to_string(n)).string();
    std::filesystem::remove_all(data);
    Server server = StartServer(binary, data);
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
    Load load;
    g_load = &load;
    coap_address_t dst;
    coap_address_init(&dst);
    dst.addr.sin.sin_family = AF_INET;
    dst.addr.sin.sin_port = htons(server.coap_port);
    dst.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    dst.size = sizeof(dst.addr.sin);
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
    std::printf("%8zu %10.0f %12.0f %12.2f %12.2f %12.2f %10.1f %10.2f %8zu\n", n, static_cast<double>(n) / provision_s,
                static_cast<double>(registered) / reg_s, reg_p50,
                upd_p50, upd_p99, std::max(rss1, rss2), cpu2 - cpu0, n - registered + load.failed);
    std::fflush(stdout);
    rows.push_back({{"clients", n}, {"provisioned_per_s", static_cast<double>(n) / provision_s}, {"registrations_per_s", static_cast<double>(registered) / reg_s},
                    {"register_p50_ms", reg_p50}, {"update_p50_ms", upd_p50}, {"update_p99_ms", upd_p99},
                    {"server_rss_mb_idle", rss0}, {"server_rss_mb", std::max(rss1, rss2)}, {"server_cpu_s", cpu2 - cpu0},
                    {"registered", registered}});
    for (auto& c : load.clients) coap_session_release(c.session);
    coap_free_context(ctx);
    kill(server.pid, SIGTERM);
    waitpid(server.pid, nullptr, 0);
    std::filesystem::remove_all(data);
    std::filesystem::remove(data + ".log");
  }
  std::printf("\nGoal (issue 7): 10,000 registered devices on 2 cores under 200 MB RSS. Notify latency and the\n"
              "block-wise FOTA figures need observe and FOTA, which are not built yet.\n");
  std::ofstream(json_path) << rows.dump(2) << "\n";
  std::printf("JSON: %s\n", json_path.c_str());
  return 0;
}
