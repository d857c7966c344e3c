#pragma once
// Moves deployments along (docs/deployments.md): for each device of a running deployment, the
// LwM2M steps of a FOTA (object 5: Package URI or Package, then Update) or a SOTA (object 9:
// Create, Package URI, Install, Activate), observing the device's State and Update Result
// until it succeeds or fails. A device that goes offline keeps its place and resumes when it
// registers again; the canary strategy holds the others until the first N succeed. One thread;
// state is in the store, so a restarted server carries on.

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "lwm2m/path.h"
#include "store/store.h"

namespace tml::lwm2m {
class Lwm2mServer;
}

namespace tml::server {

class DeploymentRunner {
 public:
  DeploymentRunner(store::Store& store, lwm2m::Lwm2mServer* lwm2m);
  ~DeploymentRunner();

  /// Wakes the loop (a new deployment, a cancel).
  void Poke();
  /// Cancels what has not started; a device mid-download is told to stop (an empty Package
  /// URI); one that is flashing finishes.
  store::StoreResult<void> Cancel(int64_t deployment_id);
  /// The package route served bytes up to `end` of the package to the target with `token`.
  void Served(const std::string& token, uint64_t end);
  /// What devices download from: Package URI = this + "/<token>" (e.g.
  /// http://127.0.0.1:8080/api/v1/packages); set once the HTTP port is bound.
  void SetPackageBaseUrl(std::string url);
  /// The same over CoAP (delivery coap-pull): "coap://HOST:PORT/pkg" for devices registered
  /// without DTLS, "coaps://..." for those registered over DTLS; either may be empty.
  void SetCoapPackageBases(std::string coap, std::string coaps);
  /// The Package URI of the target with `token`, for its deployment's delivery.
  std::string PackageUri(const store::DeploymentRecord& d, const std::string& endpoint, const std::string& token);
  /// One block of the package of the target with `token` (the LwM2M server's /pkg/<token>),
  /// counted as served; nothing when there is no such target or it was canceled.
  std::optional<std::vector<uint8_t>> PackageSlice(const std::string& token, uint64_t offset, size_t size, uint64_t& total);

  struct Transient;

 private:
  void Loop();
  void Step(const store::DeploymentRecord& d);
  void StepTarget(const store::DeploymentRecord& d, store::DeploymentTarget& t, Transient& x);
  void StepFota(const store::DeploymentRecord& d, store::DeploymentTarget& t, Transient& x);
  void StepSota(const store::DeploymentRecord& d, store::DeploymentTarget& t, Transient& x);
  /// Percent of the package served to `token`.
  int64_t ProgressOf(const store::DeploymentRecord& d, const std::string& token);
  /// The package written into `package` (5/0/0 or 9/N/2) block-wise; the error, if any.
  std::optional<std::string> Push(const store::DeploymentRecord& d, const std::string& endpoint, const lwm2m::Path& package);

  store::Store& store_;
  lwm2m::Lwm2mServer* lwm2m_;
  std::string base_url_, coap_base_, coaps_base_;
  std::mutex mutex_;
  /// What wakes the loop; shared with the observation callbacks, which may outlive a step.
  struct Doorbell {
    std::mutex mutex;
    std::condition_variable rung;
    bool ringing = false;
    void Ring();
  };
  std::shared_ptr<Doorbell> doorbell_ = std::make_shared<Doorbell>();
  std::atomic<bool> stopping_ = false;
  std::map<std::string, uint64_t> served_;          // token -> bytes served (the furthest end)
  struct PackageFile {
    std::string path;
    uint64_t bytes = 0;
  };
  std::map<std::string, PackageFile> package_files_;  // token -> its package, while it is served over CoAP
  std::map<std::string, std::unique_ptr<Transient>> transient_;  // token -> what is not in the store
  std::thread thread_;
};

/// The names of the Update Result values (object 5 and object 9) for people.
std::string FirmwareResultName(int64_t result);
std::string SoftwareResultName(int64_t result);

}  // namespace tml::server
