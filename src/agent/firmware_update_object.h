#pragma once
// LwM2M Firmware Update (object 5) over the agent's Updater: the server writes a Package URI
// (the agent downloads it, resuming a partial download) or pushes the Package itself; the
// State goes Idle -> Downloading -> Downloaded; Update (5/0/2) flashes it: Updating, then
// Idle with Update Result 1 when the board runs it, or with the failure's Update Result (the
// previous image running again). Values as the core spec's object 5 defines them.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/package_fetch.h"
#include "agent/serial_worker.h"
#include "agent/updater.h"
#include "lwm2m/object_store.h"

namespace tml::agent {

enum FirmwareState : int64_t { kIdle = 0, kDownloading = 1, kDownloaded = 2, kUpdating = 3 };
enum FirmwareResult : int64_t {
  kFwInitial = 0, kFwSuccess = 1, kFwNotEnoughFlash = 2, kFwOutOfRam = 3, kFwConnectionLost = 4,
  kFwIntegrityFailure = 5, kFwUnsupportedPackage = 6, kFwInvalidUri = 7, kFwUpdateFailed = 8, kFwUnsupportedProtocol = 9,
};

class FirmwareUpdateObject {
 public:
  /// Publishes /5/0 and acts on the server's writes and Update.
  FirmwareUpdateObject(lwm2m::ObjectStore& objects, Updater& updater, FetchConfig config, SerialWorker& worker);

  /// Stops a running download (its partial file stays for a resume); the agent is stopping.
  void Stop() { cancel_ = true; }

 private:
  void OnPackageUri(const std::string& uri);
  void OnPackage(const lwm2m::Bytes& bytes);
  lwm2m::OpResult<void> Update();
  void Downloaded(FetchResult package);
  void Set(int64_t state, std::optional<int64_t> result);

  lwm2m::ObjectStore& objects_;
  Updater& updater_;
  FetchConfig config_;
  SerialWorker& worker_;
  std::atomic<bool> cancel_ = false;
  std::mutex mutex_;
  std::optional<common::VerifiedPackage> package_;  // the Downloaded one
};

}  // namespace tml::agent
