#pragma once
// LwM2M Software Management (object 9) for model packages (SOTA): one instance per package,
// created by the server. Writing Package URI downloads and verifies it (Update State
// DOWNLOAD STARTED -> DOWNLOADED -> DELIVERED); Install checks that the running firmware has
// what the model needs (INSTALLED, or Update Result 58 naming what is missing); Activate
// flashes the plan into the model slot, reboots and checks the hello (Activation State true;
// on failure the old model runs again, Update Result 57); Deactivate brings the firmware's own
// model back; Uninstall forgets the package. Values as the spec's object 9 defines them.
// Each instance is kept in STATE/software/<id>/ (its values and its delivered package), so an
// agent that restarts still has what the server installed.

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "agent/package_fetch.h"
#include "agent/serial_worker.h"
#include "agent/updater.h"
#include "lwm2m/object_store.h"

namespace tml::agent {

enum SoftwareState : int64_t { kSwInitial = 0, kSwDownloadStarted = 1, kSwDownloaded = 2, kSwDelivered = 3, kSwInstalled = 4 };
enum SoftwareResult : int64_t {
  kSwResultInitial = 0, kSwDownloading = 1, kSwInstalledOk = 2, kSwVerified = 3, kSwNotEnoughStorage = 50,
  kSwConnectionLost = 52, kSwIntegrityFailure = 53, kSwUnsupportedPackage = 54, kSwInvalidUri = 56,
  kSwDeviceError = 57, kSwInstallFailure = 58, kSwUninstallFailure = 59,
};

class SoftwareManagementObject {
 public:
  /// Restores the instances kept in `state_dir`.
  SoftwareManagementObject(lwm2m::ObjectStore& objects, Updater& updater, FetchConfig config, SerialWorker& worker,
                           std::string state_dir);

  /// Stops a running download (its partial file stays for a resume); the agent is stopping.
  void Stop() { cancel_ = true; }

 private:
  void Created(uint16_t instance);
  void OnPackageUri(uint16_t instance, const std::string& uri);
  void OnPackage(uint16_t instance, const lwm2m::Bytes& bytes);
  void Delivered(uint16_t instance, FetchResult package);
  lwm2m::OpResult<void> Install(uint16_t instance);
  lwm2m::OpResult<void> Activate(uint16_t instance);
  lwm2m::OpResult<void> Deactivate(uint16_t instance);
  lwm2m::OpResult<void> Uninstall(uint16_t instance);
  void Set(uint16_t instance, int64_t state, std::optional<int64_t> result);
  void SetResult(uint16_t instance, int64_t result);
  void SetActive(uint16_t instance, bool active);
  int64_t StateOf(uint16_t instance) const;
  /// Writes the instance's values (and its package, when `package` is given) to its folder.
  void Persist(uint16_t instance, const common::VerifiedPackage* package = nullptr);
  void Restore();
  std::string FolderOf(uint16_t instance) const;

  lwm2m::ObjectStore& objects_;
  Updater& updater_;
  FetchConfig config_;
  SerialWorker& worker_;
  std::string state_dir_;
  std::atomic<bool> cancel_ = false;
  mutable std::mutex mutex_;
  std::map<uint16_t, common::VerifiedPackage> packages_;  // delivered or installed
  std::optional<uint16_t> active_;
};

}  // namespace tml::agent
