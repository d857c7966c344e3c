#pragma once
// How the client commands reach the server: URL and token from flags, else TINYMLAAS_URL /
// TINYMLAAS_TOKEN, else the config file ($TINYMLAAS_CONFIG or ~/.config/tinymlaas/config.json);
// and how they report the server's errors.

#include <httplib.h>

#include <string>

namespace CLI {
class App;
}

namespace tml::cli {

struct Connection {
  std::string url;
  std::string token;
  bool json = false;

  std::string Url() const;
  httplib::Headers Headers() const;
  httplib::Client Client() const;
};

/// Adds --url, --token and --json to a command.
void AddConnectionOptions(CLI::App* cmd, Connection& c);
/// Prints the server's problem detail (or the transport error) and returns an exit code.
int Report(const httplib::Result& result);
bool Ok(const httplib::Result& result);

}  // namespace tml::cli
