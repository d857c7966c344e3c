#include "cli/tinymlaas/client_connection.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

namespace tml::cli {
namespace {

/// A setting from the config file: {"url": "...", "token": "..."}.
std::string ConfigValue(const char* key) {
  std::string path;
  if (const char* env = std::getenv("TINYMLAAS_CONFIG")) {
    path = env;
  } else if (const char* home = std::getenv("HOME")) {
    path = std::string(home) + "/.config/tinymlaas/config.json";
  }
  std::ifstream in(path);
  if (!in) return {};
  const auto config = nlohmann::json::parse(in, nullptr, false);
  return config.is_object() && config.contains(key) && config[key].is_string() ? config[key].get<std::string>() : "";
}

}  // namespace

std::string Connection::Url() const {
  if (!url.empty()) return url;
  if (const char* env = std::getenv("TINYMLAAS_URL")) return env;
  const std::string configured = ConfigValue("url");
  return configured.empty() ? "http://127.0.0.1:8080" : configured;
}

httplib::Headers Connection::Headers() const {
  std::string t = token;
  if (t.empty()) {
    const char* env = std::getenv("TINYMLAAS_TOKEN");
    t = env != nullptr ? env : ConfigValue("token");
  }
  return t.empty() ? httplib::Headers{} : httplib::Headers{{"Authorization", "Bearer " + t}};
}

httplib::Client Connection::Client() const {
  httplib::Client client(Url());
  client.set_read_timeout(600, 0);
  client.set_tcp_nodelay(true);
  return client;
}

void AddConnectionOptions(CLI::App* cmd, Connection& c) {
  cmd->add_option("--url", c.url, "Server URL (or TINYMLAAS_URL)");
  cmd->add_option("--token", c.token, "API token (or TINYMLAAS_TOKEN)");
  cmd->add_flag("--json", c.json, "Machine-readable output");
}

int Report(const httplib::Result& result) {
  if (!result) {
    if (result.error() == httplib::Error::Write) {
      std::fprintf(stderr, "error: the server stopped reading the request (it refused it, e.g. as too large)\n");
      return 2;
    }
    std::fprintf(stderr, "error: cannot reach the server: %s\n", httplib::to_string(result.error()).c_str());
    return 1;
  }
  const auto problem = nlohmann::json::parse(result->body, nullptr, false);
  const std::string detail = problem.is_object() ? problem.value("detail", result->body) : result->body;
  std::fprintf(stderr, "error: %d: %s\n", result->status, detail.c_str());
  return 2;
}

bool Ok(const httplib::Result& r) { return r && r->status >= 200 && r->status < 300; }

}  // namespace tml::cli
