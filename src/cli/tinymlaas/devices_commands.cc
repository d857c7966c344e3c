// tinymlaas devices add | ls | show | rm: provisioning and what the LwM2M server knows.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/tinymlaas/client_connection.h"
#include "cli/tinymlaas/commands.h"

namespace tml::cli {
namespace {

std::string Text(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.is_null() ? "-" : v.dump(); }

int Add(const Connection& c, const std::string& endpoint, const std::vector<std::string>& tags) {
  auto client = c.Client();
  auto r = client.Post("/api/v1/devices", c.Headers(), nlohmann::json({{"endpoint", endpoint}, {"tags", tags}}).dump(),
                       "application/json");
  if (!Ok(r)) return Report(r);
  const auto d = nlohmann::json::parse(r->body);
  if (c.json) {
    std::printf("%s\n", d.dump(2).c_str());
  } else {
    std::printf("device %s provisioned\nPSK identity: %s\nPSK key (hex, shown once): %s\n", endpoint.c_str(),
                d["psk_identity"].get<std::string>().c_str(), d["psk_key"].get<std::string>().c_str());
  }
  return 0;
}

int List(const Connection& c) {
  auto client = c.Client();
  auto r = client.Get("/api/v1/devices?limit=1000", c.Headers());
  if (!Ok(r)) return Report(r);
  const auto body = nlohmann::json::parse(r->body);
  if (c.json) {
    std::printf("%s\n", body.dump(2).c_str());
    return 0;
  }
  std::printf("%-24s %-8s %-21s %-8s %-22s %s\n", "endpoint", "state", "last seen", "lifetime", "peer", "objects");
  for (const auto& d : body["items"]) {
    const auto& reg = d["registration"];
    std::string objects;
    if (reg.is_object()) {
      for (const auto& o : reg["objects"]) objects += (objects.empty() ? "" : ",") + o.get<std::string>();
    }
    std::printf("%-24s %-8s %-21s %-8s %-22s %s\n", d["endpoint"].get<std::string>().c_str(),
                d["online"].get<bool>() ? "online" : "offline", reg.is_object() ? Text(reg["last_seen"]).c_str() : "-",
                reg.is_object() ? std::to_string(reg["lifetime"].get<long long>()).c_str() : "-",
                reg.is_object() ? (Text(reg["peer"]) + (reg["secure"].get<bool>() ? " dtls" : "")).c_str() : "-",
                objects.c_str());
  }
  return 0;
}

int Show(const Connection& c, const std::string& endpoint) {
  auto client = c.Client();
  auto r = client.Get("/api/v1/devices/" + endpoint, c.Headers());
  if (!Ok(r)) return Report(r);
  std::printf("%s\n", nlohmann::json::parse(r->body).dump(2).c_str());
  return 0;
}

int Remove(const Connection& c, const std::string& endpoint) {
  auto client = c.Client();
  auto r = client.Delete("/api/v1/devices/" + endpoint, c.Headers());
  if (!Ok(r)) return Report(r);
  if (!c.json) std::printf("device %s removed\n", endpoint.c_str());
  return 0;
}

}  // namespace

void SetupDevicesCommands(CLI::App& app, int* exit_code) {
  auto c = std::make_shared<Connection>();
  auto endpoint = std::make_shared<std::string>();
  auto tags = std::make_shared<std::vector<std::string>>();
  CLI::App* devices = app.add_subcommand("devices", "Devices: provisioning and their LwM2M registrations");
  devices->require_subcommand(1);
  CLI::App* add = devices->add_subcommand("add", "Provision a device; prints its DTLS PSK once");
  add->add_option("endpoint", *endpoint, "LwM2M endpoint name")->required();
  add->add_option("--tag", *tags, "A tag (repeat for more)");
  AddConnectionOptions(add, *c);
  add->callback([=] { *exit_code = Add(*c, *endpoint, *tags); });
  CLI::App* ls = devices->add_subcommand("ls", "List devices: online or not, last seen, objects");
  AddConnectionOptions(ls, *c);
  ls->callback([=] { *exit_code = List(*c); });
  CLI::App* show = devices->add_subcommand("show", "One device, as JSON");
  show->add_option("endpoint", *endpoint)->required();
  AddConnectionOptions(show, *c);
  show->callback([=] { *exit_code = Show(*c, *endpoint); });
  CLI::App* rm = devices->add_subcommand("rm", "Remove a device's provisioning");
  rm->add_option("endpoint", *endpoint)->required();
  AddConnectionOptions(rm, *c);
  rm->callback([=] { *exit_code = Remove(*c, *endpoint); });
}

}  // namespace tml::cli
