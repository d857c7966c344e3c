#pragma once
// What the LwM2M benches share: `tinymlaas serve` started as a child process on loopback
// (plain CoAP on a free port, HTTP on any port) with a fresh data folder, the child's RSS
// and CPU time read from /proc, and their timing arithmetic.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/free_port.h"

namespace tml::bench {

using Clock = std::chrono::steady_clock;
inline double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

/// The `p` quantile (0..1) of `v`; 0 for none.
inline double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

struct ServeProcess {
  pid_t pid = -1;
  std::string url, token;
  uint16_t coap_port = 0;
};

/// Starts `binary serve` on `data` (its output in data + ".log"); the token is empty when it
/// did not come up within 10 s.
inline ServeProcess StartServe(const std::string& binary, const std::string& data) {
  ServeProcess s;
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

inline void StopServe(ServeProcess& s) {
  if (s.pid <= 0) return;
  kill(s.pid, SIGTERM);
  waitpid(s.pid, nullptr, 0);
  s.pid = -1;
}

/// VmRSS in MB and utime+stime in seconds of a process.
inline std::pair<double, double> Usage(pid_t pid) {
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

}  // namespace tml::bench
