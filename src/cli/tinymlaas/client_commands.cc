#include <httplib.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/tinymlaas/client_connection.h"
#include "cli/tinymlaas/commands.h"

namespace tml::cli {
namespace {

int ModelsPush(const Connection& c, const std::string& file, const std::string& name, const std::string& version) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "error: %s: cannot open\n", file.c_str());
    return 1;
  }
  const auto size = static_cast<size_t>(std::filesystem::file_size(file));
  auto client = c.Client();
  const std::string path = "/api/v1/models?name=" + httplib::detail::encode_query_param(name) +
                           "&version=" + httplib::detail::encode_query_param(version);
  auto r = client.Post(path, c.Headers(), size,
                       [&](size_t offset, size_t length, httplib::DataSink& sink) {
                         std::vector<char> buffer(std::min<size_t>(length, 1 << 16));
                         in.seekg(static_cast<std::streamoff>(offset));
                         in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
                         return sink.write(buffer.data(), static_cast<size_t>(in.gcount()));
                       },
                       "application/octet-stream");
  if (!Ok(r)) return Report(r);
  const auto m = nlohmann::json::parse(r->body);
  if (c.json) {
    std::printf("%s\n", m.dump(2).c_str());
  } else {
    std::printf("model %lld: %s %s, %lld bytes, sha256 %s\n", m["id"].get<long long>(), m["name"].get<std::string>().c_str(),
                m["version"].get<std::string>().c_str(), m["bytes"].get<long long>(), m["sha256"].get<std::string>().c_str());
    if (m["facts"].contains("arena_bytes")) {
      std::printf("arena %lld bytes, plan %lld bytes, %lld MACs\n", m["facts"]["arena_bytes"].get<long long>(),
                  m["facts"]["plan_bytes"].get<long long>(), m["facts"]["macs"].get<long long>());
    } else if (m["facts"].contains("compile_error")) {
      std::printf("note: it does not compile yet: %s\n", m["facts"]["compile_error"].get<std::string>().c_str());
    }
  }
  return 0;
}

int List(const Connection& c, const std::string& path, bool models) {
  auto client = c.Client();
  auto r = client.Get(path, c.Headers());
  if (!Ok(r)) return Report(r);
  const auto body = nlohmann::json::parse(r->body);
  if (c.json) {
    std::printf("%s\n", body.dump(2).c_str());
    return 0;
  }
  if (models) {
    std::printf("%-5s %-24s %-8s %10s %10s  %s\n", "id", "name", "version", "bytes", "arena", "created");
    for (const auto& m : body["items"]) {
      std::printf("%-5lld %-24s %-8s %10lld %10s  %s\n", m["id"].get<long long>(), m["name"].get<std::string>().c_str(),
                  m["version"].get<std::string>().c_str(), m["bytes"].get<long long>(),
                  m["facts"].contains("arena_bytes") ? std::to_string(m["facts"]["arena_bytes"].get<long long>()).c_str() : "-",
                  m["created_at"].get<std::string>().c_str());
    }
  } else {
    std::printf("%-5s %-6s %-14s %-10s %s\n", "id", "model", "board", "status", "reason");
    for (const auto& b : body["items"]) {
      std::printf("%-5lld %-6lld %-14s %-10s %s\n", b["id"].get<long long>(), b["model_id"].get<long long>(),
                  b["board"].get<std::string>().c_str(), b["status"].get<std::string>().c_str(),
                  b["reason"].is_string() ? b["reason"].get<std::string>().c_str() : "");
    }
  }
  return 0;
}

/// Streams the build log to stdout (following while the build runs).
int FollowLog(const Connection& c, long long id, bool follow) {
  auto client = c.Client();
  auto r = client.Get("/api/v1/builds/" + std::to_string(id) + "/log" + (follow ? "?follow=1" : ""), c.Headers(),
                      [](const char* data, size_t size) {
                        std::fwrite(data, 1, size, stdout);
                        std::fflush(stdout);
                        return true;
                      });
  if (!r || r->status != 200) return Report(r);
  return 0;
}

int Build(const Connection& c, const std::string& model, const std::string& version, const std::string& board,
          const std::string& builder, bool wait) {
  auto client = c.Client();
  nlohmann::json request = {{"model", model}, {"version", version}, {"board", board}};
  if (!builder.empty()) request["builder"] = builder;
  auto r = client.Post("/api/v1/builds", c.Headers(), request.dump(), "application/json");
  if (!Ok(r)) return Report(r);
  auto build = nlohmann::json::parse(r->body);
  const long long id = build["id"].get<long long>();
  if (!c.json) {
    std::printf("build %lld: %s for %s with builder %s%s\n", id, model.c_str(), board.c_str(),
                build["builder"].get<std::string>().c_str(),
                build.value("reused", false) ? " (identical build reused)" : "");
  }
  if (wait && !build.value("reused", false)) {
    if (!c.json) std::printf("[queued] waiting; the log follows\n");
    if (int rc = FollowLog(c, id, true); rc != 0) return rc;
    r = client.Get("/api/v1/builds/" + std::to_string(id), c.Headers());
    if (!Ok(r)) return Report(r);
    build = nlohmann::json::parse(r->body);
  }
  if (c.json) {
    std::printf("%s\n", build.dump(2).c_str());
  } else {
    std::printf("build %lld: %s\n", id, build["status"].get<std::string>().c_str());
  }
  return !wait || build["status"] == "succeeded" ? 0 : 1;
}

int ArtifactsGet(const Connection& c, long long id, const std::string& dir) {
  auto client = c.Client();
  auto r = client.Get("/api/v1/builds/" + std::to_string(id) + "/artifacts", c.Headers());
  if (!Ok(r)) return Report(r);
  std::filesystem::create_directories(dir);
  const auto listing = nlohmann::json::parse(r->body);
  for (const auto& a : listing["items"]) {
    const std::string name = a["name"].get<std::string>();
    const std::string path = (std::filesystem::path(dir) / name).string();
    std::ofstream out(path + ".part", std::ios::binary | std::ios::trunc);
    auto f = client.Get(a["href"].get<std::string>(), c.Headers(), [&](const char* data, size_t size) {
      out.write(data, static_cast<std::streamsize>(size));
      return static_cast<bool>(out);
    });
    out.close();
    if (!f || f->status != 200) return Report(f);
    std::filesystem::rename(path + ".part", path);
    std::printf("%s (%lld bytes)\n", path.c_str(), a["bytes"].get<long long>());
  }
  return 0;
}

}  // namespace

void SetupClientCommands(CLI::App& app, int* exit_code) {
  auto c = std::make_shared<Connection>();
  auto add_connection = [c](CLI::App* cmd) { AddConnectionOptions(cmd, *c); };
  auto file = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto version = std::make_shared<std::string>("1");
  auto board = std::make_shared<std::string>();
  auto wait = std::make_shared<bool>(false);
  auto id = std::make_shared<long long>(0);
  auto dir = std::make_shared<std::string>(".");

  CLI::App* models = app.add_subcommand("models", "Model zoo");
  models->require_subcommand(1);
  CLI::App* push = models->add_subcommand("push", "Upload a .tflite model");
  push->add_option("file", *file)->required();
  push->add_option("--name", *name)->required();
  push->add_option("--version", *version);
  add_connection(push);
  push->callback([=] { *exit_code = ModelsPush(*c, *file, *name, *version); });
  CLI::App* ls = models->add_subcommand("ls", "List models");
  add_connection(ls);
  ls->callback([=] { *exit_code = List(*c, "/api/v1/models?limit=1000", true); });

  CLI::App* build = app.add_subcommand("build", "Build a model's firmware for a board");
  build->add_option("--model", *name)->required();
  build->add_option("--version", *version);
  build->add_option("--board", *board)->required();
  auto builder = std::make_shared<std::string>();
  build->add_option("--builder", *builder, "Builder name (default: the board's default builder)");
  build->add_flag("--wait", *wait, "Follow the log until the build ends");
  add_connection(build);
  build->callback([=] { *exit_code = Build(*c, *name, *version, *board, *builder, *wait); });

  CLI::App* builds = app.add_subcommand("builds", "Builds");
  builds->require_subcommand(1);
  CLI::App* builds_ls = builds->add_subcommand("ls", "List builds");
  add_connection(builds_ls);
  builds_ls->callback([=] { *exit_code = List(*c, "/api/v1/builds?limit=1000", false); });
  CLI::App* log = builds->add_subcommand("log", "Print a build's log");
  log->add_option("id", *id)->required();
  log->add_flag("-f,--follow", *wait, "Keep following while the build runs");
  add_connection(log);
  log->callback([=] { *exit_code = FollowLog(*c, *id, *wait); });

  CLI::App* artifacts = app.add_subcommand("artifacts", "Build artifacts");
  artifacts->require_subcommand(1);
  CLI::App* get = artifacts->add_subcommand("get", "Download a build's artifacts");
  get->add_option("id", *id)->required();
  get->add_option("-o,--output", *dir, "Folder to write to");
  add_connection(get);
  get->callback([=] { *exit_code = ArtifactsGet(*c, *id, *dir); });
}

}  // namespace tml::cli
