#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <unistd.h>

#include "cli/tinymlaas/commands.h"
#include "firmware/host/board_spec.h"
#include "common/digest.h"
#include "jobs/build_queue.h"
#include "jobs/docker_runner.h"
#include "jobs/local_runner.h"
#include "lwm2m/lwm2m_server.h"
#include "common/signing.h"
#include "server/deployment_runner.h"
#include "server/metrics.h"
#include "server/server.h"
#include "store/store.h"

namespace tml::cli {
namespace {

struct ServeArgs {
  std::string data = "tinymlaas-data";
  std::string http = "127.0.0.1:8080";
  int workers = 2;
  uint64_t max_model_bytes = 50ull << 20;
  double build_time_limit = 600;
  std::string kit;
  std::string tmlc;
  std::string docker;  ///< empty: $DOCKER_HOST or the default socket, optional
  int64_t docker_memory_mb = 1024;
  double docker_cpus = 1;
  int64_t docker_pids = 256;
  std::string coap;   ///< plain CoAP HOST:PORT (loopback only), empty: off
  std::string coaps;  ///< DTLS-PSK HOST:PORT, empty: off
  std::string public_url;  ///< how devices reach this server's HTTP side (Package URIs)
};

/// The LwM2M server, with provisioned devices looked up in the store; null when neither
/// --coap nor --coaps is given.
lwm2m::Lwm2mResult<std::unique_ptr<lwm2m::Lwm2mServer>> StartLwm2m(const ServeArgs& args, store::Store& store,
                                                                   std::atomic<server::DeploymentRunner*>& deployments) {
  if (args.coap.empty() && args.coaps.empty()) return std::unique_ptr<lwm2m::Lwm2mServer>();
  auto credentials = [](const std::optional<store::DeviceRecord>& d) -> std::optional<lwm2m::DeviceCredentials> {
    if (!d) return std::nullopt;
    return lwm2m::DeviceCredentials{d->endpoint, d->psk_identity, common::FromHex(d->psk_key_hex).value_or(lwm2m::Bytes{})};
  };
  lwm2m::Lwm2mServerOptions options;
  options.coap = args.coap;
  options.coaps = args.coaps;
  options.by_identity = [&store, credentials](const std::string& id) { return credentials(store.FindDeviceByIdentity(id)); };
  options.by_endpoint = [&store, credentials](const std::string& ep) {
    auto d = store.GetDevice(ep);
    return credentials(d ? std::optional<store::DeviceRecord>(*d) : std::nullopt);
  };
  // coap(s)://.../pkg/<token>: the deployment runner serves each block and counts it.
  options.package_slice = [&deployments](const std::string& token, uint64_t offset, size_t size, uint64_t& total) {
    server::DeploymentRunner* runner = deployments.load();
    return runner == nullptr ? std::nullopt : runner->PackageSlice(token, offset, size, total);
  };
  options.on_change = [](const lwm2m::Registration& r, const std::string& event) {
    std::printf("lwm2m: %s %s (%s, lifetime %lld s)\n", r.endpoint.c_str(), event.c_str(), r.peer.c_str(),
                static_cast<long long>(r.lifetime));
    std::fflush(stdout);
  };
  return lwm2m::Lwm2mServer::Start(options);
}

/// The Docker runner for builder images, or null when there is no daemon. An explicit
/// --docker that does not answer stops the server; the default only warns.
std::unique_ptr<jobs::DockerRunner> ConnectDocker(const ServeArgs& args, bool* fatal) {
  jobs::DockerRunnerOptions options;
  options.host = args.docker.empty() ? jobs::DockerClient::DefaultHost() : args.docker;
  // Containers are labeled with the data folder's identity: two servers sharing one daemon
  // never remove each other's builds.
  options.instance = common::Sha256Hex(std::filesystem::absolute(args.data).lexically_normal().string()).substr(0, 16);
  options.limits.memory_bytes = args.docker_memory_mb << 20;
  options.limits.cpus = args.docker_cpus;
  options.limits.pids = args.docker_pids;
  auto runner = jobs::DockerRunner::Connect(options);
  if (runner) {
    std::printf("builder images run on the Docker daemon at %s\n", options.host.c_str());
    return std::move(*runner);
  }
  *fatal = !args.docker.empty();
  std::fprintf(stderr, "%s: %s%s\n", *fatal ? "error" : "warning", runner.error().c_str(),
               *fatal ? "" : " (builder images are disabled; the built-in builder works)");
  return nullptr;
}

/// The tmlc next to this executable.
std::string SiblingTmlc() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / "tmlc").string();
}

int Serve(const ServeArgs& args) {
  const auto colon = args.http.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "error: --http must be HOST:PORT\n");
    return 2;
  }
  const std::string host = args.http.substr(0, colon);
  const int port = std::atoi(args.http.c_str() + colon + 1);
  auto store = store::Store::Open(args.data);
  if (!store) {
    std::fprintf(stderr, "error: %s\n", store.error().message.c_str());
    return 1;
  }
  if (const int recovered = (*store)->RecoverInterruptedBuilds(); recovered > 0) {
    std::printf("marked %d build(s) interrupted by the last stop as failed\n", recovered);
  }
  std::string admin;
  if ((*store)->CountTokens() == 0) {
    auto token = (*store)->CreateToken("admin", false);
    if (!token) {
      std::fprintf(stderr, "error: %s\n", token.error().message.c_str());
      return 1;
    }
    admin = *token;
  }
  // Block the stop signals in every thread; one thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  server::Metrics metrics;
  jobs::LocalRunner runner(args.tmlc.empty() ? SiblingTmlc() : args.tmlc);
  jobs::QueueOptions queue_options;
  queue_options.on_finished = [&metrics](const std::string& status, double seconds) {
    metrics.ObserveBuild(status, seconds);
  };
  queue_options.workers = args.workers;
  queue_options.time_limit_s = args.build_time_limit;
  bool docker_fatal = false;
  std::unique_ptr<jobs::DockerRunner> docker = ConnectDocker(args, &docker_fatal);
  if (docker_fatal) return 1;
  jobs::BuildQueue queue(**store, runner, docker.get(), args.data, queue_options);
  std::atomic<server::DeploymentRunner*> package_server{nullptr};  // set once the runner exists
  auto lwm2m_server = StartLwm2m(args, **store, package_server);
  if (!lwm2m_server) {
    std::fprintf(stderr, "error: %s\n", lwm2m_server.error().c_str());
    return 1;
  }
  // Every deployment package is signed with the server's own key, made on the first start.
  auto signing_key = common::LoadOrCreateSigningKey((std::filesystem::path(args.data) / "signing-key").string());
  if (!signing_key) {
    std::fprintf(stderr, "error: %s\n", signing_key.error().c_str());
    return 1;
  }
  std::unique_ptr<server::DeploymentRunner> deployments;
  if (*lwm2m_server) {
    deployments = std::make_unique<server::DeploymentRunner>(**store, lwm2m_server->get());
    deployments->SetCoapPackageBases(args.coap.empty() ? "" : "coap://" + args.coap + "/pkg",
                                     args.coaps.empty() ? "" : "coaps://" + args.coaps + "/pkg");
    package_server = deployments.get();
  }
  server::ServerOptions options;
  options.metrics = &metrics;
  options.deployments = deployments.get();
  options.signing_key = &*signing_key;
  options.kit_dir = args.kit.empty() ? firmware::DefaultKitDir() : args.kit;
  options.max_model_bytes = args.max_model_bytes;
  options.lwm2m = lwm2m_server->get();
  server::Server server(**store, queue, options);
  std::string error;
  if (!server.Bind(host, port, &error)) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    return 1;
  }
  const std::string base = args.public_url.empty() ? "http://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
                                                         ":" + std::to_string(server.port())
                                                   : args.public_url;
  if (deployments) deployments->SetPackageBaseUrl(base + "/api/v1/packages");
  std::printf("TinyMLaaS serving http://%s:%d (API /api/v1, health /healthz), data in %s\n", host.c_str(),
              server.port(), args.data.c_str());
  std::printf("Swagger UI: http://%s:%d/docs\n", host.c_str(), server.port());
  if (!args.coaps.empty()) std::printf("LwM2M server: coaps://%s (DTLS-PSK)\n", args.coaps.c_str());
  if (!args.coap.empty()) std::printf("LwM2M server: coap://%s (plain CoAP, loopback only)\n", args.coap.c_str());
  if (!admin.empty()) std::printf("admin token (shown once): %s\n", admin.c_str());
  std::fflush(stdout);
  std::thread stopper([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    server.Stop();
  });
  server.Run();
  pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
  package_server = nullptr;  // the runner goes first; the LwM2M server stops serving packages
  std::printf("stopped\n");
  return 0;
}

}  // namespace

void SetupServeCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand("serve", "Run the API server and the build queue");
  cmd->add_option("--data", args->data, "Data folder (SQLite database, blobs, logs)");
  cmd->add_option("--http", args->http, "Listen address HOST:PORT (port 0 picks a free one)");
  cmd->add_option("--workers", args->workers, "Builds run at once");
  cmd->add_option("--max-model-bytes", args->max_model_bytes, "Largest model upload accepted");
  cmd->add_option("--build-time-limit", args->build_time_limit, "Seconds a build may take");
  cmd->add_option("--kit", args->kit, "Firmware kit folder");
  cmd->add_option("--tmlc", args->tmlc, "tmlc used by the local runner (default: next to tinymlaas)");
  cmd->add_option("--docker", args->docker,
                  "Docker daemon for builder images, unix:///PATH (default: $DOCKER_HOST or /var/run/docker.sock, "
                  "if it answers)");
  cmd->add_option("--docker-memory-mb", args->docker_memory_mb, "Memory limit of a builder container (MiB)");
  cmd->add_option("--docker-cpus", args->docker_cpus, "CPU limit of a builder container");
  cmd->add_option("--docker-pids", args->docker_pids, "Process limit of a builder container");
  cmd->add_option("--coaps", args->coaps, "LwM2M server over DTLS-PSK on HOST:PORT (devices are provisioned in the API)");
  cmd->add_option("--coap", args->coap, "LwM2M server over plain CoAP on HOST:PORT, a loopback address only (tests, local peers)");
  cmd->add_option("--public-url", args->public_url,
                  "The URL devices reach this server's HTTP side at, for Package URIs (default: http://HOST:PORT of --http)");
  cmd->callback([args, exit_code] { *exit_code = Serve(*args); });
}

void SetupTokenCommand(CLI::App& app, int* exit_code) {
  auto data = std::make_shared<std::string>("tinymlaas-data");
  auto name = std::make_shared<std::string>();
  auto read_only = std::make_shared<bool>(false);
  CLI::App* token = app.add_subcommand("token", "Manage API tokens (on the server host)");
  CLI::App* create = token->add_subcommand("create", "Create a token and print it");
  create->add_option("--data", *data, "Data folder of the server");
  create->add_option("--name", *name, "Token name")->required();
  create->add_flag("--read-only", *read_only, "The token may only read");
  create->callback([=] {
    auto store = store::Store::Open(*data);
    if (!store) {
      std::fprintf(stderr, "error: %s\n", store.error().message.c_str());
      *exit_code = 1;
      return;
    }
    auto secret = (*store)->CreateToken(*name, *read_only);
    if (!secret) {
      std::fprintf(stderr, "error: %s\n", secret.error().message.c_str());
      *exit_code = 2;
      return;
    }
    std::printf("%s\n", secret->c_str());
  });
  token->require_subcommand(1);
}

}  // namespace tml::cli
