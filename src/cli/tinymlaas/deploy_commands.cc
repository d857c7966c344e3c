// tinymlaas deploy BUILD --to DEVICES (a build's image or model to devices over LwM2M, with
// progress per device), deployments ls | show | cancel, and signing-key (what agents trust).
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/tinymlaas/client_connection.h"
#include "cli/tinymlaas/commands.h"

namespace tml::cli {
namespace {

using nlohmann::json;

struct DeployArgs {
  int64_t build = 0;
  std::vector<std::string> to;
  std::string tag;
  std::string kind = "fota";
  std::string strategy = "all";
  int64_t canary = 1;
  std::string delivery = "pull";
  bool wait = false;
};

std::string Text(const json& v) { return v.is_string() ? v.get<std::string>() : v.is_null() ? "-" : v.dump(); }

bool Finished(const json& d) { return d["status"] != "running"; }

std::string Bar(int64_t percent) {
  const int width = 20, filled = static_cast<int>(percent * width / 100);
  return "[" + std::string(filled, '#') + std::string(width - filled, '.') + "]";
}

/// One line per device: status, a progress bar while downloading, the device's result.
void PrintDevices(const json& d) {
  for (const auto& t : d["devices"]) {
    const std::string status = t["status"];
    std::string line = status == "downloading" ? Bar(t["progress"].get<int64_t>()) + " " + std::to_string(t["progress"].get<int64_t>()) + " %"
                                               : "";
    std::printf("  %-20s %-12s %-28s %s%s\n", t["endpoint"].get<std::string>().c_str(), status.c_str(), line.c_str(),
                Text(t["detail"]).c_str(),
                t["update_result"].is_null() ? "" : (" (update result " + t["update_result"].dump() + ")").c_str());
  }
}

void PrintDeployment(const json& d) {
  std::printf("deployment %lld: build %lld, %s, %s%s, %s: %s%s\n", d["id"].get<long long>(), d["build"].get<long long>(),
              d["kind"].get<std::string>().c_str(), d["strategy"].get<std::string>().c_str(),
              d["strategy"] == "canary" ? (" of " + d["canary"].dump()).c_str() : "", d["delivery"].get<std::string>().c_str(),
              d["status"].get<std::string>().c_str(), d["reason"].is_null() ? "" : (" (" + Text(d["reason"]) + ")").c_str());
  PrintDevices(d);
}

int Wait(const Connection& c, int64_t id) {
  auto client = c.Client();
  const bool tty = ::isatty(STDOUT_FILENO) != 0;
  std::string last;
  for (;;) {
    auto r = client.Get("/api/v1/deployments/" + std::to_string(id), c.Headers());
    if (!Ok(r)) return Report(r);
    const auto d = json::parse(r->body);
    std::string lines;
    for (const auto& t : d["devices"]) lines += t.dump();
    if (lines != last || Finished(d)) {
      if (tty && !last.empty()) std::printf("\033[%zuA", d["devices"].size() + 1);  // redraw in place
      PrintDeployment(d);
      std::fflush(stdout);
      last = lines;
    }
    if (Finished(d)) return d["status"] == "succeeded" ? 0 : 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

int Deploy(const Connection& c, const DeployArgs& a) {
  json body = {{"build", a.build}, {"kind", a.kind}, {"strategy", a.strategy}, {"delivery", a.delivery}};
  if (!a.to.empty()) body["devices"] = a.to;
  if (!a.tag.empty()) body["tag"] = a.tag;
  if (a.strategy == "canary") body["canary"] = a.canary;
  auto client = c.Client();
  auto r = client.Post("/api/v1/deployments", c.Headers(), body.dump(), "application/json");
  if (!Ok(r)) return Report(r);
  const auto d = json::parse(r->body);
  if (c.json && !a.wait) {
    std::printf("%s\n", d.dump(2).c_str());
    return 0;
  }
  if (!a.wait) {
    PrintDeployment(d);
    return 0;
  }
  return Wait(c, d["id"].get<int64_t>());
}

int List(const Connection& c) {
  auto client = c.Client();
  auto r = client.Get("/api/v1/deployments?limit=1000", c.Headers());
  if (!Ok(r)) return Report(r);
  const auto body = json::parse(r->body);
  if (c.json) {
    std::printf("%s\n", body.dump(2).c_str());
    return 0;
  }
  std::printf("%-5s %-6s %-5s %-8s %-10s %-22s %s\n", "id", "build", "kind", "strategy", "status", "created", "devices");
  for (const auto& d : body["items"]) {
    std::string counts;
    for (const auto& [k, v] : d["counts"].items()) {
      if (v.get<int64_t>() > 0) counts += (counts.empty() ? "" : ", ") + std::to_string(v.get<int64_t>()) + " " + k;
    }
    std::printf("%-5lld %-6lld %-5s %-8s %-10s %-22s %s\n", d["id"].get<long long>(), d["build"].get<long long>(),
                d["kind"].get<std::string>().c_str(), d["strategy"].get<std::string>().c_str(),
                d["status"].get<std::string>().c_str(), d["created_at"].get<std::string>().c_str(), counts.c_str());
  }
  return 0;
}

int Show(const Connection& c, int64_t id, bool wait) {
  if (wait) return Wait(c, id);
  auto client = c.Client();
  auto r = client.Get("/api/v1/deployments/" + std::to_string(id), c.Headers());
  if (!Ok(r)) return Report(r);
  const auto d = json::parse(r->body);
  if (c.json) std::printf("%s\n", d.dump(2).c_str());
  else PrintDeployment(d);
  return 0;
}

int Cancel(const Connection& c, int64_t id) {
  auto client = c.Client();
  auto r = client.Post("/api/v1/deployments/" + std::to_string(id) + "/cancel", c.Headers(), "", "application/json");
  if (!Ok(r)) return Report(r);
  const auto d = json::parse(r->body);
  if (c.json) std::printf("%s\n", d.dump(2).c_str());
  else PrintDeployment(d);
  return 0;
}

int SigningKey(const Connection& c) {
  auto client = c.Client();
  auto r = client.Get("/api/v1/signing-key", c.Headers());
  if (!Ok(r)) return Report(r);
  const auto k = json::parse(r->body);
  if (c.json) std::printf("%s\n", k.dump(2).c_str());
  else std::printf("%s\n", k["public_key"].get<std::string>().c_str());
  return 0;
}

}  // namespace

void SetupDeployCommands(CLI::App& app, int* exit_code) {
  auto c = std::make_shared<Connection>();
  auto a = std::make_shared<DeployArgs>();
  CLI::App* deploy = app.add_subcommand("deploy", "Deploy a build to devices over LwM2M: the whole firmware (fota) or the model (sota)");
  deploy->add_option("build", a->build, "The build id")->required();
  deploy->add_option("--to", a->to, "Device endpoint names (repeat, or comma-separated)")->delimiter(',');
  deploy->add_option("--tag", a->tag, "Every device with this tag");
  deploy->add_option("--kind", a->kind, "fota (object 5) or sota (object 9)")->check(CLI::IsMember({"fota", "sota"}));
  deploy->add_option("--strategy", a->strategy, "all at once, or canary")->check(CLI::IsMember({"all", "canary"}));
  deploy->add_option("--canary", a->canary, "Devices that go first with --strategy canary");
  deploy->add_option("--delivery", a->delivery, "pull (the device downloads an http(s):// Package URI), coap-pull (a coap(s):// one, block by block) or push (block-wise write)")
      ->check(CLI::IsMember({"pull", "coap-pull", "push"}));
  deploy->add_flag("--wait", a->wait, "Follow the progress per device until it ends (exit 1 if it failed)");
  AddConnectionOptions(deploy, *c);
  deploy->callback([=] { *exit_code = Deploy(*c, *a); });

  auto id = std::make_shared<int64_t>(0);
  auto wait = std::make_shared<bool>(false);
  CLI::App* deployments = app.add_subcommand("deployments", "Deployments: list, show, cancel");
  deployments->require_subcommand(1);
  CLI::App* ls = deployments->add_subcommand("ls", "List deployments");
  AddConnectionOptions(ls, *c);
  ls->callback([=] { *exit_code = List(*c); });
  CLI::App* show = deployments->add_subcommand("show", "One deployment with each device's status");
  show->add_option("id", *id)->required();
  show->add_flag("--wait", *wait, "Follow it until it ends");
  AddConnectionOptions(show, *c);
  show->callback([=] { *exit_code = Show(*c, *id, *wait); });
  CLI::App* cancel = deployments->add_subcommand("cancel", "Cancel what has not started (a device that is flashing finishes)");
  cancel->add_option("id", *id)->required();
  AddConnectionOptions(cancel, *c);
  cancel->callback([=] { *exit_code = Cancel(*c, *id); });

  CLI::App* key = app.add_subcommand("signing-key", "The server's Ed25519 public key (tinymlaas-agent --trust-key)");
  AddConnectionOptions(key, *c);
  key->callback([=] { *exit_code = SigningKey(*c); });
}

}  // namespace tml::cli
