// tinymlaas devices add | ls | show | rm (provisioning and what the LwM2M server knows),
// devices read | write | exec (LwM2M operations passed through) and infer.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "cli/tinymlaas/client_connection.h"
#include "cli/tinymlaas/commands.h"
#include "lwm2m/value.h"

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

std::string Trimmed(std::string path) {
  while (!path.empty() && path.front() == '/') path.erase(0, 1);
  return path;
}

int Read(const Connection& c, const std::string& endpoint, const std::string& path, const std::string& format) {
  auto client = c.Client();
  auto r = client.Get("/api/v1/devices/" + endpoint + "/objects/" + Trimmed(path) + "?format=" + format, c.Headers());
  if (!Ok(r)) return Report(r);
  const auto body = nlohmann::json::parse(r->body);
  if (c.json) {
    std::printf("%s\n", body.dump(2).c_str());
    return 0;
  }
  if (body.contains("links")) {  // Discover
    for (const auto& l : body["links"]) {
      std::string attrs;
      for (const auto& [k, v] : l["attributes"].items()) attrs += ";" + k + (v.get<std::string>().empty() ? "" : "=" + v.get<std::string>());
      std::printf("<%s>%s\n", l["target"].get<std::string>().c_str(), attrs.c_str());
    }
    return 0;
  }
  for (const auto& rec : body["records"]) {
    std::printf("%-14s %-34s %s\n", rec["path"].get<std::string>().c_str(), Text(rec["name"]).c_str(),
                rec["value"].is_string() ? rec["value"].get<std::string>().c_str() : rec["value"].dump().c_str());
  }
  return 0;
}

int Write(const Connection& c, const std::string& endpoint, const std::string& path, const std::string& value) {
  // The value as JSON when it parses (numbers, booleans, {"base64": ...}), else as a string.
  nlohmann::json v = nlohmann::json::parse(value, nullptr, false);
  if (v.is_discarded() || v.is_array()) v = value;
  auto client = c.Client();
  auto r = client.Put("/api/v1/devices/" + endpoint + "/objects/" + Trimmed(path), c.Headers(),
                      nlohmann::json({{"value", v}}).dump(), "application/json");
  if (!Ok(r)) return Report(r);
  if (!c.json) std::printf("%s %s: written\n", endpoint.c_str(), path.c_str());
  return 0;
}

int Execute(const Connection& c, const std::string& endpoint, const std::string& path, const std::string& args) {
  auto client = c.Client();
  auto r = client.Post("/api/v1/devices/" + endpoint + "/objects/" + Trimmed(path) + "/execute", c.Headers(), args,
                       "text/plain");
  if (!Ok(r)) return Report(r);
  if (!c.json) std::printf("%s %s: executed\n", endpoint.c_str(), path.c_str());
  return 0;
}

int Infer(const Connection& c, const std::string& endpoint, const std::string& input, const std::string& output) {
  std::ifstream in(input, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "error: %s: cannot open\n", input.c_str());
    return 1;
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  auto client = c.Client();
  auto r = client.Post("/api/v1/devices/" + endpoint + "/infer", c.Headers(), bytes.str(), "application/octet-stream");
  if (!Ok(r)) return Report(r);
  const auto body = nlohmann::json::parse(r->body);
  auto bytes_out = lwm2m::FromBase64(body["output_base64"].get<std::string>());
  if (!bytes_out) {
    std::fprintf(stderr, "error: the output is not base64: %s\n", bytes_out.error().c_str());
    return 1;
  }
  const std::string decoded(bytes_out->begin(), bytes_out->end());
  if (!output.empty()) std::ofstream(output, std::ios::binary) << decoded;
  if (c.json) {
    std::printf("%s\n", body.dump(2).c_str());
  } else {
    std::printf("%s: %zu output bytes in %s cycles (model %s)\n", endpoint.c_str(), decoded.size(),
                Text(body.value("latency_cycles", nlohmann::json())).c_str(),
                Text(body.value("model_sha256", nlohmann::json())).substr(0, 16).c_str());
    std::string hex;
    for (unsigned char ch : decoded.substr(0, 32)) {
      char b[4];
      std::snprintf(b, sizeof(b), "%02x", ch);
      hex += b;
    }
    std::printf("output: %s%s\n", hex.c_str(), decoded.size() > 32 ? "..." : "");
  }
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

  auto path = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("senml-json");
  auto value = std::make_shared<std::string>();
  CLI::App* read = devices->add_subcommand("read", "LwM2M Read on a device, e.g. devices read gw-1 /3/0");
  read->add_option("endpoint", *endpoint)->required();
  read->add_option("path", *path, "/OBJECT[/INSTANCE[/RESOURCE]]")->required();
  read->add_option("--format", *format, "tlv, senml-json, senml-cbor, text, opaque, or link (Discover)");
  AddConnectionOptions(read, *c);
  read->callback([=] { *exit_code = Read(*c, *endpoint, *path, *format); });
  CLI::App* write = devices->add_subcommand("write", "LwM2M Write of one resource, e.g. devices write gw-1 /1/0/1 600");
  write->add_option("endpoint", *endpoint)->required();
  write->add_option("path", *path)->required();
  write->add_option("value", *value, "JSON (number, true/false, {\"base64\": ...}) or text")->required();
  AddConnectionOptions(write, *c);
  write->callback([=] { *exit_code = Write(*c, *endpoint, *path, *value); });
  CLI::App* exec = devices->add_subcommand("exec", "LwM2M Execute, e.g. devices exec gw-1 /3/0/4");
  exec->add_option("endpoint", *endpoint)->required();
  exec->add_option("path", *path)->required();
  exec->add_option("arguments", *value, "Execute arguments");
  AddConnectionOptions(exec, *c);
  exec->callback([=] { *exit_code = Execute(*c, *endpoint, *path, *value); });

  auto input = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  CLI::App* infer = app.add_subcommand("infer", "Run one inference on a device's microcontroller (LwM2M object 26241)");
  infer->add_option("endpoint", *endpoint)->required();
  infer->add_option("--input", *input, "The input tensor's bytes")->required();
  infer->add_option("--output", *output, "Write the output tensor's bytes here");
  AddConnectionOptions(infer, *c);
  infer->callback([=] { *exit_code = Infer(*c, *endpoint, *input, *output); });
}

}  // namespace tml::cli
