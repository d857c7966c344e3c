// tinymlaas devices add | ls | show | rm (provisioning and what the LwM2M server knows),
// devices read | write | exec | observe | attributes (LwM2M operations passed through) and infer.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <map>
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

/// Prints each notification as it arrives: one line per record, or the whole line with --json.
int Observe(const Connection& c, const std::string& endpoint, const std::string& path, const std::string& format,
            int count, int timeout) {
  auto client = c.Client();
  client.set_read_timeout(timeout > 0 ? timeout + 5 : 24 * 3600, 0);
  std::string pending;
  const std::string url = "/api/v1/devices/" + endpoint + "/observe/" + Trimmed(path) + "?format=" + format +
                          "&count=" + std::to_string(count) + "&timeout=" + std::to_string(timeout);
  std::string error_body;
  int status = 0;
  auto r = client.Get(
      url, c.Headers(),
      [&](const httplib::Response& response) {
        status = response.status;
        return true;
      },
      [&](const char* data, size_t size) {
        if (status != 200) {
          error_body.append(data, size);
          return true;
        }
        pending.append(data, size);
        for (size_t nl; (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1)) {
          const auto line = nlohmann::json::parse(pending.substr(0, nl), nullptr, false);
          if (line.is_discarded()) continue;
          if (c.json) {
            std::printf("%s\n", line.dump().c_str());
          } else if (line.contains("error")) {
            std::printf("#%lld %s %s\n", line["sequence"].get<long long>(), Text(line["code"]).c_str(), Text(line["error"]).c_str());
          } else {
            for (const auto& rec : line["records"]) {
              std::printf("#%-4lld %s  %-14s %-30s %s\n", line["sequence"].get<long long>(), Text(line["received_at"]).c_str(),
                          Text(rec["path"]).c_str(), Text(rec["name"]).c_str(), Text(rec["value"]).c_str());
            }
          }
          std::fflush(stdout);
        }
        return true;
      });
  if (!r) return Report(r);
  if (status != 200) {
    const auto problem = nlohmann::json::parse(error_body, nullptr, false);
    std::fprintf(stderr, "error: %d: %s\n", status,
                 (problem.is_object() ? problem.value("detail", error_body) : error_body).c_str());
    return 2;
  }
  return 0;
}

/// Write-Attributes: each of pmin/pmax/gt/lt/st that was given, and `clear` ones removed.
int Attributes(const Connection& c, const std::string& endpoint, const std::string& path, const nlohmann::json& set) {
  auto client = c.Client();
  auto r = client.Put("/api/v1/devices/" + endpoint + "/attributes/" + Trimmed(path), c.Headers(), set.dump(),
                      "application/json");
  if (!Ok(r)) return Report(r);
  const auto body = nlohmann::json::parse(r->body);
  if (c.json) std::printf("%s\n", body.dump(2).c_str());
  else std::printf("%s %s: attributes %s written\n", endpoint.c_str(), path.c_str(), Text(body["attributes"]).c_str());
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
  auto count = std::make_shared<int>(0);
  auto timeout = std::make_shared<int>(0);
  CLI::App* observe = devices->add_subcommand("observe", "LwM2M Observe: print each notification, e.g. devices observe gw-1 /5/0/3");
  observe->add_option("endpoint", *endpoint)->required();
  observe->add_option("path", *path)->required();
  observe->add_option("--format", *format, "tlv, senml-json, senml-cbor, text, opaque");
  observe->add_option("--count", *count, "Stop after this many notifications (0: run until interrupted)");
  observe->add_option("--timeout", *timeout, "Stop after this many seconds (0: none)");
  AddConnectionOptions(observe, *c);
  observe->callback([=] { *exit_code = Observe(*c, *endpoint, *path, *format, *count, *timeout); });
  auto attrs = std::make_shared<std::map<std::string, double>>();
  auto cleared = std::make_shared<std::vector<std::string>>();
  CLI::App* attributes = devices->add_subcommand(
      "attributes", "LwM2M Write-Attributes: when the device notifies, e.g. devices attributes gw-1 /3/0/9 --pmin 5 --st 10");
  attributes->add_option("endpoint", *endpoint)->required();
  attributes->add_option("path", *path)->required();
  for (const char* name : {"pmin", "pmax", "gt", "lt", "st"}) {
    attributes->add_option_function<double>(std::string("--") + name, [attrs, name](double v) { (*attrs)[name] = v; },
                                            std::string(name) + (name[0] == 'p' ? " (seconds)" : ""));
  }
  attributes->add_option("--clear", *cleared, "Remove an attribute (pmin, pmax, gt, lt, st; repeat for more)");
  AddConnectionOptions(attributes, *c);
  attributes->callback([=] {
    nlohmann::json set = nlohmann::json::object();
    for (const auto& [name, v] : *attrs) {
      if (name[0] == 'p') set[name] = static_cast<int64_t>(v);
      else set[name] = v;
    }
    for (const auto& name : *cleared) set[name] = nullptr;
    *exit_code = Attributes(*c, *endpoint, *path, set);
  });

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
