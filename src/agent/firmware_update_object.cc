#include "agent/firmware_update_object.h"

#include <cstdio>

#include "lwm2m/objects.h"

namespace tml::agent {
namespace {

using lwm2m::MakePath;
constexpr uint16_t kObj = lwm2m::kFirmwareObject;

int64_t ResultOf(FetchFault fault) {
  switch (fault) {
    case FetchFault::kConnectionLost: return kFwConnectionLost;
    case FetchFault::kInvalidUri: return kFwInvalidUri;
    case FetchFault::kUnsupportedProtocol: return kFwUnsupportedProtocol;
    case FetchFault::kTooLarge: return kFwNotEnoughFlash;
    case FetchFault::kIntegrity: return kFwIntegrityFailure;
    case FetchFault::kUnsupportedPackage: return kFwUnsupportedPackage;
    case FetchFault::kCanceled: return kFwInitial;
  }
  return kFwUpdateFailed;
}

void Log(const std::string& line) {
  std::printf("fota: %s\n", line.c_str());
  std::fflush(stdout);
}

}  // namespace

FirmwareUpdateObject::FirmwareUpdateObject(lwm2m::ObjectStore& objects, Updater& updater, FetchConfig config,
                                           SerialWorker& worker)
    : objects_(objects), updater_(updater), config_(std::move(config)), worker_(worker) {
  objects_.Set(MakePath({kObj, 0, 1}), std::string());
  objects_.Set(MakePath({kObj, 0, 3}), int64_t{kIdle});
  objects_.Set(MakePath({kObj, 0, 5}), int64_t{kFwInitial});
  objects_.Set(MakePath({kObj, 0, 6}), std::string());
  objects_.Set(MakePath({kObj, 0, 7}), std::string());
  objects_.Set(MakePath({kObj, 0, 8, 0}), int64_t{2});  // HTTP 1.1
  objects_.Set(MakePath({kObj, 0, 8, 1}), int64_t{3});  // HTTPS 1.1
  objects_.Set(MakePath({kObj, 0, 9}), int64_t{2});     // pull and push
  objects_.OnWrite([this](const lwm2m::Record& r) {
    if (r.path == MakePath({kObj, 0, 1})) OnPackageUri(std::get<std::string>(r.value));
    if (r.path == MakePath({kObj, 0, 0})) OnPackage(std::get<lwm2m::Bytes>(r.value));
  });
  objects_.OnExecute(MakePath({kObj, 0, 2}), [this](std::string_view) { return Update(); });
}

void FirmwareUpdateObject::Set(int64_t state, std::optional<int64_t> result) {
  // The result first: an observer that sees the State change reads a settled result.
  if (result) objects_.Set(MakePath({kObj, 0, 5}), *result);
  objects_.Set(MakePath({kObj, 0, 3}), state);
}

void FirmwareUpdateObject::OnPackageUri(const std::string& uri) {
  cancel_ = true;  // a running download stops; an empty URI is the spec's reset to Idle
  worker_.Post([this, uri] {
    cancel_ = false;
    {
      std::lock_guard lock(mutex_);
      package_.reset();
    }
    if (uri.empty()) return Set(kIdle, kFwInitial);
    Log("downloading " + uri);
    Set(kDownloading, kFwInitial);
    Downloaded(FetchPackage(uri, common::PackageKind::kFirmware, config_, &cancel_));
  });
}

void FirmwareUpdateObject::OnPackage(const lwm2m::Bytes& bytes) {
  objects_.Set(MakePath({kObj, 0, 0}), lwm2m::Bytes{});  // not kept twice
  std::string data(bytes.begin(), bytes.end());
  cancel_ = true;
  worker_.Post([this, data = std::move(data)] {
    cancel_ = false;
    {
      std::lock_guard lock(mutex_);
      package_.reset();
    }
    if (data.empty()) return Set(kIdle, kFwInitial);
    Log("received a pushed package of " + std::to_string(data.size()) + " bytes");
    Downloaded(VerifyPackage(data, common::PackageKind::kFirmware, config_));
  });
}

void FirmwareUpdateObject::Downloaded(FetchResult package) {
  if (!package) {
    Log("download failed: " + package.error().message);
    if (package.error().fault == FetchFault::kCanceled) return;
    return Set(kIdle, ResultOf(package.error().fault));
  }
  Log("downloaded and verified build " + std::to_string(package->contents.build_id) +
      (package->signed_by_trusted_key ? " (signature verified)" : ""));
  objects_.Set(MakePath({kObj, 0, 6}), "build-" + std::to_string(package->contents.build_id));
  objects_.Set(MakePath({kObj, 0, 7}), package->contents.version);
  {
    std::lock_guard lock(mutex_);
    package_ = std::move(*package);
  }
  Set(kDownloaded, kFwInitial);
}

lwm2m::OpResult<void> FirmwareUpdateObject::Update() {
  std::optional<common::VerifiedPackage> package;
  {
    std::lock_guard lock(mutex_);
    if (!package_) return lwm2m::OpFail(400, "no firmware is downloaded (State must be 2, Downloaded)");
    package = std::move(package_);
    package_.reset();
  }
  Set(kUpdating, std::nullopt);
  worker_.Post([this, package = std::move(*package)] {
    Log("flashing " + package.contents.version);
    auto r = updater_.InstallImage(package.contents.payload, package.manifest, package.contents.version);
    if (!r) {
      Log("update failed: " + r.error().message);
      return Set(kIdle, kFwUpdateFailed);
    }
    Log("the board runs " + r->firmware_version + " (model " + r->hello.model_sha256.substr(0, 12) + ")");
    Set(kIdle, kFwSuccess);
  });
  return {};
}

}  // namespace tml::agent
