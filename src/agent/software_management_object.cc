#include "agent/software_management_object.h"

#include <cstdio>

#include "lwm2m/objects.h"

namespace tml::agent {
namespace {

using lwm2m::MakePath;
constexpr uint16_t kObj = lwm2m::kSoftwareObject;

lwm2m::Path At(uint16_t instance, uint16_t resource) { return MakePath({kObj, instance, resource}); }

int64_t ResultOf(FetchFault fault) {
  switch (fault) {
    case FetchFault::kConnectionLost: return kSwConnectionLost;
    case FetchFault::kInvalidUri: return kSwInvalidUri;
    case FetchFault::kUnsupportedProtocol: return kSwInvalidUri;
    case FetchFault::kTooLarge: return kSwNotEnoughStorage;
    case FetchFault::kIntegrity: return kSwIntegrityFailure;
    case FetchFault::kUnsupportedPackage: return kSwUnsupportedPackage;
    case FetchFault::kCanceled: return kSwResultInitial;
  }
  return kSwDeviceError;
}

void Log(uint16_t instance, const std::string& line) {
  std::printf("sota /9/%u: %s\n", instance, line.c_str());
  std::fflush(stdout);
}

}  // namespace

SoftwareManagementObject::SoftwareManagementObject(lwm2m::ObjectStore& objects, Updater& updater, FetchConfig config,
                                                   SerialWorker& worker)
    : objects_(objects), updater_(updater), config_(std::move(config)), worker_(worker) {
  objects_.OnCreate(
      kObj, [this](uint16_t instance) { Created(instance); },
      [this](uint16_t instance) -> lwm2m::OpResult<void> {
        {
          std::lock_guard lock(mutex_);
          if (active_ == instance) return lwm2m::OpFail(400, "deactivate /9/" + std::to_string(instance) + " first");
          packages_.erase(instance);
        }
        return {};
      });
  objects_.OnWrite([this](const lwm2m::Record& r) {
    if (r.path.object() != kObj || r.path.depth != 3) return;
    if (r.path.resource() == 3) OnPackageUri(r.path.instance(), std::get<std::string>(r.value));
    if (r.path.resource() == 2) OnPackage(r.path.instance(), std::get<lwm2m::Bytes>(r.value));
  });
}

void SoftwareManagementObject::Created(uint16_t i) {
  objects_.Set(At(i, 0), std::string());
  objects_.Set(At(i, 1), std::string());
  objects_.Set(At(i, 7), int64_t{kSwInitial});
  objects_.Set(At(i, 9), int64_t{kSwResultInitial});
  objects_.Set(At(i, 12), false);
  objects_.OnExecute(At(i, 4), [this, i](std::string_view) { return Install(i); });
  objects_.OnExecute(At(i, 6), [this, i](std::string_view) { return Uninstall(i); });
  objects_.OnExecute(At(i, 10), [this, i](std::string_view) { return Activate(i); });
  objects_.OnExecute(At(i, 11), [this, i](std::string_view) { return Deactivate(i); });
}

void SoftwareManagementObject::Set(uint16_t i, int64_t state, std::optional<int64_t> result) {
  if (result) objects_.Set(At(i, 9), *result);
  objects_.Set(At(i, 7), state);
}

int64_t SoftwareManagementObject::StateOf(uint16_t i) const {
  const auto v = objects_.Get(At(i, 7));
  return v ? std::get<int64_t>(*v) : kSwInitial;
}

void SoftwareManagementObject::OnPackageUri(uint16_t i, const std::string& uri) {
  cancel_ = true;
  worker_.Post([this, i, uri] {
    cancel_ = false;
    if (uri.empty()) return;
    Log(i, "downloading " + uri);
    Set(i, kSwDownloadStarted, kSwDownloading);
    Delivered(i, FetchPackage(uri, common::PackageKind::kModel, config_, &cancel_));
  });
}

void SoftwareManagementObject::OnPackage(uint16_t i, const lwm2m::Bytes& bytes) {
  objects_.Set(At(i, 2), lwm2m::Bytes{});
  std::string data(bytes.begin(), bytes.end());
  worker_.Post([this, i, data = std::move(data)] {
    if (data.empty()) return;
    Set(i, kSwDownloadStarted, kSwDownloading);
    Delivered(i, VerifyPackage(data, common::PackageKind::kModel, config_));
  });
}

void SoftwareManagementObject::Delivered(uint16_t i, FetchResult package) {
  if (!package) {
    Log(i, "download failed: " + package.error().message);
    if (package.error().fault == FetchFault::kCanceled) return Set(i, kSwInitial, kSwResultInitial);
    return Set(i, kSwInitial, ResultOf(package.error().fault));
  }
  Set(i, kSwDownloaded, std::nullopt);
  const auto& m = package->manifest;
  objects_.Set(At(i, 0), m.contains("model") && m["model"].is_object() ? m["model"].value("file", std::string("model"))
                                                                       : std::string("model"));
  objects_.Set(At(i, 1), "build-" + std::to_string(package->contents.build_id));
  Log(i, "delivered build " + std::to_string(package->contents.build_id) +
             (package->signed_by_trusted_key ? " (signature verified)" : ""));
  {
    std::lock_guard lock(mutex_);
    packages_[i] = std::move(*package);
  }
  Set(i, kSwDelivered, kSwVerified);
}

lwm2m::OpResult<void> SoftwareManagementObject::Install(uint16_t i) {
  nlohmann::json manifest;
  {
    std::lock_guard lock(mutex_);
    auto it = packages_.find(i);
    if (it == packages_.end() || StateOf(i) != kSwDelivered) {
      return lwm2m::OpFail(400, "/9/" + std::to_string(i) + " holds no delivered package (Update State must be 3)");
    }
    manifest = it->second.manifest;
  }
  if (const auto missing = updater_.MissingForModel(manifest); !missing.empty()) {
    std::string why;
    for (const auto& m : missing) why += (why.empty() ? "" : "; ") + m;
    Log(i, "cannot install: " + why);
    objects_.Set(At(i, 9), int64_t{kSwInstallFailure});
    return {};  // the Execute itself was accepted; the result says why the install failed
  }
  Set(i, kSwInstalled, kSwInstalledOk);
  Log(i, "installed");
  return {};
}

lwm2m::OpResult<void> SoftwareManagementObject::Activate(uint16_t i) {
  std::string plan;
  nlohmann::json manifest;
  {
    std::lock_guard lock(mutex_);
    auto it = packages_.find(i);
    if (it == packages_.end() || StateOf(i) != kSwInstalled) {
      return lwm2m::OpFail(400, "/9/" + std::to_string(i) + " is not installed (Update State must be 4)");
    }
    plan = it->second.contents.payload;
    manifest = it->second.manifest;
  }
  worker_.Post([this, i, plan = std::move(plan), manifest = std::move(manifest)] {
    Log(i, "flashing the model slot");
    auto r = updater_.InstallModel(plan, manifest);
    if (!r) {
      Log(i, "activation failed: " + r.error().message);
      objects_.Set(At(i, 9), int64_t{kSwDeviceError});
      return;
    }
    std::optional<uint16_t> previous;
    {
      std::lock_guard lock(mutex_);
      previous = active_;
      active_ = i;
    }
    if (previous && *previous != i) objects_.Set(At(*previous, 12), false);
    objects_.Set(At(i, 12), true);
    Log(i, "active: the board runs model " + r->hello.model_sha256.substr(0, 12));
  });
  return {};
}

lwm2m::OpResult<void> SoftwareManagementObject::Deactivate(uint16_t i) {
  {
    std::lock_guard lock(mutex_);
    if (active_ != i) return lwm2m::OpFail(400, "/9/" + std::to_string(i) + " is not active");
  }
  worker_.Post([this, i] {
    auto base = updater_.BaseModel();
    auto r = base ? updater_.InstallModel(base->first, base->second) : tl::unexpected(base.error());
    if (!r) {
      Log(i, "deactivation failed: " + r.error().message);
      objects_.Set(At(i, 9), int64_t{kSwDeviceError});
      return;
    }
    {
      std::lock_guard lock(mutex_);
      active_.reset();
    }
    objects_.Set(At(i, 12), false);
    Log(i, "deactivated: the firmware's own model runs again");
  });
  return {};
}

lwm2m::OpResult<void> SoftwareManagementObject::Uninstall(uint16_t i) {
  {
    std::lock_guard lock(mutex_);
    if (active_ == i) return lwm2m::OpFail(400, "deactivate /9/" + std::to_string(i) + " before uninstalling it");
    packages_.erase(i);
  }
  objects_.Set(At(i, 0), std::string());
  objects_.Set(At(i, 1), std::string());
  Set(i, kSwInitial, kSwResultInitial);
  Log(i, "uninstalled");
  return {};
}

}  // namespace tml::agent
