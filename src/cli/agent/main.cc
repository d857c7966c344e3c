// tinymlaas-agent: the gateway's LwM2M client. It boots the board's current image (kept in
// STATE/current), registers with the server and answers its requests: firmware (object 5)
// and model (object 9) updates through a flasher, and inferences on the microcontroller
// (object 26241).
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "agent/device_objects.h"
#include "agent/firmware_update_object.h"
#include "agent/flasher.h"
#include "agent/qemu_board.h"
#include "agent/software_management_object.h"
#include "agent/updater.h"
#include "common/digest.h"
#include "lwm2m/lwm2m_client.h"
#include "lwm2m/objects.h"

namespace {

namespace fs = std::filesystem;

struct AgentArgs {
  std::string server;
  std::string endpoint;
  std::string psk_identity;
  std::string psk_key_hex;
  std::string board;
  std::string flasher = "qemu";
  std::string state = "agent-state";
  std::string firmware;  ///< an image folder to install first (firmware.bin + manifest.json)
  std::string flash_path;     ///< file flasher: the file to write
  std::string flash_command;  ///< command flasher: the template
  std::string trust_key_hex;  ///< the service's Ed25519 public key: only packages it signed pass
  int64_t download_rate = 0;  ///< bytes/s, 0 = unlimited
  int64_t lifetime = 300;
};

int Run(const AgentArgs& args) {
  const fs::path current = fs::path(args.state) / "current";
  std::error_code ec;
  if (!args.firmware.empty()) {
    fs::create_directories(current, ec);
    for (const char* f : {"firmware.bin", "manifest.json"}) {
      fs::copy_file(fs::path(args.firmware) / f, current / f, fs::copy_options::overwrite_existing, ec);
      if (ec) {
        std::fprintf(stderr, "error: cannot install %s from %s: %s\n", f, args.firmware.c_str(), ec.message().c_str());
        return 1;
      }
    }
    fs::remove(current / "build-id", ec);
  }
  if (!fs::exists(current / "firmware.bin")) {
    std::fprintf(stderr, "error: no image in %s: give one with --firmware DIR\n", current.c_str());
    return 1;
  }
  auto board = tml::agent::QemuBoard::Boot(current.string());
  if (!board) {
    std::fprintf(stderr, "error: the board does not boot: %s\n", board.error().message.c_str());
    return 1;
  }
  tml::agent::FlasherConfig flash{args.flasher, args.flash_path, args.flash_command, args.board,
                                  (fs::path(args.state) / "flash-scratch").string()};
  // The qemu flasher's flash is the image file QEMU boots.
  if (args.flasher == "qemu") flash.flash_path = (current / "firmware.bin").string();
  auto flasher = tml::agent::MakeFlasher(flash);
  if (!flasher) {
    std::fprintf(stderr, "error: %s\n", flasher.error().message.c_str());
    return 2;
  }
  tml::agent::FetchConfig fetch;
  fetch.partial_dir = (fs::path(args.state) / "downloads").string();
  fetch.max_bytes_per_second = args.download_rate;
  fetch.board = args.board;
  if (!args.trust_key_hex.empty()) {
    auto key = tml::common::FromHex(args.trust_key_hex);
    if (!key || key->size() != 32) {
      std::fprintf(stderr, "error: --trust-key must be the 32-byte Ed25519 public key in hex (tinymlaas signing-key)\n");
      return 2;
    }
    fetch.trusted_key = std::string(key->begin(), key->end());
  }
  // A coaps:// Package URI is fetched with the device's own DTLS credentials.
  fetch.psk_identity = args.psk_identity.empty() ? args.endpoint : args.psk_identity;
  if (!args.psk_key_hex.empty()) {
    auto key = tml::common::FromHex(args.psk_key_hex);
    if (!key) {
      std::fprintf(stderr, "error: --psk-key must be hex\n");
      return 2;
    }
    fetch.psk_key = *key;
  }
  tml::agent::Updater updater(args.state, **board, **flasher);
  auto booted = updater.Refresh();
  if (!booted) {
    std::fprintf(stderr, "error: the board does not answer hello: %s\n", booted.error().message.c_str());
    return 1;
  }
  tml::lwm2m::ObjectStore objects;
  const tml::agent::DeviceFacts facts{args.endpoint, args.board, booted->firmware_version};
  if (auto r = tml::agent::PublishDevice(objects, facts, **board); !r) {
    std::fprintf(stderr, "error: %s\n", r.error().message.c_str());
    return 1;
  }
  auto worker = std::make_unique<tml::agent::SerialWorker>();
  tml::agent::FirmwareUpdateObject fota(objects, updater, fetch, *worker);
  tml::agent::SoftwareManagementObject sota(objects, updater, fetch, *worker, (fs::path(args.state) / "software").string());
  tml::agent::PublishServer(objects, {args.server, args.psk_identity.empty() ? args.endpoint : args.psk_identity,
                                       args.lifetime});
  tml::lwm2m::Lwm2mClientOptions options;
  options.server = args.server;
  options.endpoint = args.endpoint;
  options.psk_identity = args.psk_identity;
  options.lifetime = args.lifetime;
  options.psk_key = fetch.psk_key;
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto client = tml::lwm2m::Lwm2mClient::Start(options, objects);
  if (!client) {
    std::fprintf(stderr, "error: %s\n", client.error().c_str());
    return 1;
  }
  // The server may change the lifetime (1/0/1) or ask for an Update now (1/0/8).
  tml::lwm2m::Lwm2mClient* live = client->get();
  objects.OnWrite([live](const tml::lwm2m::Record& r) {
    if (r.path == tml::lwm2m::MakePath({tml::lwm2m::kServerObject, 0, 1})) live->SetLifetime(std::get<int64_t>(r.value));
  });
  objects.OnExecute(tml::lwm2m::MakePath({tml::lwm2m::kServerObject, 0, 8}), [live](std::string_view) -> tml::lwm2m::OpResult<void> {
    live->RequestUpdate();
    return {};
  });
  updater.OnChange([&objects, live](const tml::agent::Running& now) {
    tml::agent::PublishRunning(objects, now.firmware_version, now.hello);
    live->RequestUpdate();  // the server reads the new versions after the Update
  });
  std::printf("agent %s: board %s running firmware %s (model %s), flasher %s; LwM2M server %s\n", args.endpoint.c_str(),
              args.board.c_str(), facts.firmware_version.c_str(), booted->hello.model_sha256.substr(0, 12).c_str(),
              (*flasher)->Describe().c_str(), args.server.c_str());
  std::fflush(stdout);
  // Report registration changes until a stop signal.
  bool was_registered = false;
  std::string last_error;
  for (;;) {
    timespec wait{0, 200'000'000};
    if (sigtimedwait(&signals, nullptr, &wait) > 0) break;
    const bool now_registered = (*client)->registered();
    if (now_registered != was_registered) {
      std::printf(now_registered ? "registered at %s\n" : "not registered%s\n", (*client)->location().c_str());
      std::fflush(stdout);
      was_registered = now_registered;
    }
    if (const std::string e = (*client)->last_error(); !e.empty() && e != last_error) {
      std::printf("registration: %s\n", e.c_str());
      std::fflush(stdout);
      last_error = e;
    }
  }
  fota.Stop();
  sota.Stop();
  worker.reset();   // waits for a running update step (it may still tell the client)
  client->reset();  // de-registers
  std::printf("stopped\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  AgentArgs args;
  CLI::App app{"tinymlaas-agent: the gateway's LwM2M client for one microcontroller"};
  app.set_config("--config", "", "A config file (TOML/INI) with the same options");
  app.add_option("--server", args.server, "coaps://HOST:PORT or coap://HOST:PORT")->required();
  app.add_option("--endpoint", args.endpoint, "LwM2M endpoint name (as provisioned)")->required();
  app.add_option("--psk-identity", args.psk_identity, "DTLS PSK identity (default: the endpoint name)");
  app.add_option("--psk-key", args.psk_key_hex, "DTLS PSK key, hex (from `tinymlaas devices add`)");
  app.add_option("--board", args.board, "The board's name (a folder of the firmware kit)")->required();
  app.add_option("--flasher", args.flasher, "How images reach the board: qemu (the emulated board's flash), file, command")
      ->check(CLI::IsMember({"qemu", "file", "command"}));
  app.add_option("--flash-path", args.flash_path, "file flasher: the file (or drive) the image is written to");
  app.add_option("--flash-command", args.flash_command,
                 "command flasher: e.g. \"st-flash write {file} {address}\" ({file} {address} {offset} {bytes} {board} {kind})");
  app.add_option("--trust-key", args.trust_key_hex, "The service's Ed25519 public key (hex): only packages it signed are installed");
  app.add_option("--download-rate", args.download_rate, "Download limit in bytes/s (0: none)");
  app.add_option("--state", args.state, "The agent's folder (current image, downloads)");
  app.add_option("--firmware", args.firmware, "Install this image folder (firmware.bin + manifest.json) first");
  app.add_option("--lifetime", args.lifetime, "Registration lifetime, seconds");
  CLI11_PARSE(app, argc, argv);
  return Run(args);
}
