// tinymlaas builders ls | add | rm (the server's registrations) and builders check IMAGE
// (the contract's conformance suite, run on a Docker daemon of the partner's own).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/tinymlaas/client_connection.h"
#include "cli/tinymlaas/commands.h"
#include "jobs/builder_conformance.h"
#include "jobs/docker/docker_client.h"

namespace tml::cli {
namespace {

std::string Joined(const nlohmann::json& items) {
  std::string text;
  for (const auto& i : items) text += (text.empty() ? "" : ",") + i.get<std::string>();
  return text;
}

int List(const Connection& c) {
  auto client = c.Client();
  auto r = client.Get("/api/v1/builders", c.Headers());
  if (!Ok(r)) return Report(r);
  const auto body = nlohmann::json::parse(r->body);
  if (c.json) {
    std::printf("%s\n", body.dump(2).c_str());
    return 0;
  }
  std::printf("%-20s %-8s %-30s %s\n", "name", "default", "boards", "image");
  for (const auto& b : body["items"]) {
    std::printf("%-20s %-8s %-30s %s\n", b["name"].get<std::string>().c_str(), b["default"].get<bool>() ? "yes" : "",
                Joined(b["boards"]).c_str(), b["image"].is_string() ? b["image"].get<std::string>().c_str() : "(built in)");
  }
  return 0;
}

int Add(const Connection& c, const std::string& name, const std::string& image, const std::vector<std::string>& boards,
        bool is_default) {
  auto client = c.Client();
  const nlohmann::json request = {{"name", name}, {"image", image}, {"boards", boards}, {"contract_version", 1},
                                  {"default", is_default}};
  auto r = client.Post("/api/v1/builders", c.Headers(), request.dump(), "application/json");
  if (!Ok(r)) return Report(r);
  const auto b = nlohmann::json::parse(r->body);
  if (c.json) {
    std::printf("%s\n", b.dump(2).c_str());
  } else {
    std::printf("builder %s: %s for %s%s\n", name.c_str(), image.c_str(), Joined(b["boards"]).c_str(),
                is_default ? " (default)" : "");
  }
  return 0;
}

int Remove(const Connection& c, const std::string& name) {
  auto client = c.Client();
  auto r = client.Delete("/api/v1/builders/" + name, c.Headers());
  if (!Ok(r)) return Report(r);
  if (!c.json) std::printf("builder %s removed\n", name.c_str());
  return 0;
}

struct CheckArgs {
  std::string image;
  std::string model;
  std::string board;
  std::string docker;
  double time_limit = 600;
  bool json = false;
};

int Check(const CheckArgs& args) {
  auto docker = jobs::DockerClient::FromHost(args.docker.empty() ? jobs::DockerClient::DefaultHost() : args.docker);
  if (!docker) {
    std::fprintf(stderr, "error: %s\n", docker.error().c_str());
    return 2;
  }
  jobs::ConformanceOptions options;
  options.image = args.image;
  options.model_path = args.model;
  options.board = args.board;
  options.limits.time_limit_s = args.time_limit;
  if (!args.json) {
    std::printf("builder contract v1 conformance: %s (model %s, board %s)\n", args.image.c_str(), args.model.c_str(),
                args.board.c_str());
    std::printf("%-22s %-6s %s\n", "check", "result", "detail");
  }
  const auto results = jobs::RunConformance(*docker, options, [&](const jobs::CheckResult& r) {
    if (args.json) return;
    std::printf("%-22s %-6s %s\n", r.name.c_str(), r.passed ? "pass" : "FAIL", r.detail.c_str());
    std::fflush(stdout);
  });
  int passed = 0;
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : results) {
    passed += r.passed;
    rows.push_back({{"check", r.name}, {"passed", r.passed}, {"detail", r.detail}});
  }
  const bool all = passed == static_cast<int>(results.size());
  if (args.json) {
    std::printf("%s\n", nlohmann::json({{"image", args.image}, {"passed", all}, {"checks", rows}}).dump(2).c_str());
  } else {
    std::printf("%d of %zu checks passed: %s\n", passed, results.size(), all ? "the image meets the contract" : "not conformant");
  }
  return all ? 0 : 1;
}

}  // namespace

void SetupBuildersCommands(CLI::App& app, int* exit_code) {
  auto c = std::make_shared<Connection>();
  CLI::App* builders = app.add_subcommand("builders", "Builder images: registrations and the contract's conformance check");
  builders->require_subcommand(1);

  CLI::App* ls = builders->add_subcommand("ls", "List the builders the server knows");
  AddConnectionOptions(ls, *c);
  ls->callback([=] { *exit_code = List(*c); });

  auto name = std::make_shared<std::string>();
  auto image = std::make_shared<std::string>();
  auto boards = std::make_shared<std::vector<std::string>>();
  auto is_default = std::make_shared<bool>(false);
  CLI::App* add = builders->add_subcommand("add", "Register a builder image");
  add->add_option("name", *name, "Builder name")->required();
  add->add_option("--image", *image, "Image reference, [REGISTRY/]REPOSITORY[:TAG][@DIGEST]")->required();
  add->add_option("--board", *boards, "A board it builds for (repeat for more)")->required();
  add->add_flag("--default", *is_default, "Make it the default builder of its boards");
  AddConnectionOptions(add, *c);
  add->callback([=] { *exit_code = Add(*c, *name, *image, *boards, *is_default); });

  CLI::App* rm = builders->add_subcommand("rm", "Remove a builder registration");
  rm->add_option("name", *name, "Builder name")->required();
  AddConnectionOptions(rm, *c);
  rm->callback([=] { *exit_code = Remove(*c, *name); });

  auto check = std::make_shared<CheckArgs>();
  CLI::App* cmd = builders->add_subcommand(
      "check", "Run the builder contract's conformance suite against an image (on your Docker daemon)");
  cmd->add_option("image", check->image, "Image reference")->required();
  cmd->add_option("--model", check->model, "A .tflite model the image must build")->required();
  cmd->add_option("--board", check->board, "A board the image builds for")->required();
  cmd->add_option("--docker", check->docker, "Docker daemon, unix:///PATH (default: $DOCKER_HOST or /var/run/docker.sock)");
  cmd->add_option("--time-limit", check->time_limit, "Seconds one build may take");
  cmd->add_flag("--json", check->json, "Machine-readable output");
  cmd->callback([=] { *exit_code = Check(*check); });
}

}  // namespace tml::cli
