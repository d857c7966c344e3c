#include "agent/software_management_object.h"

#include <cstdio>
#include <filesystem>

#include "compiler/file_io.h"
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
                                                   SerialWorker& worker, std::string state_dir)
    : objects_(objects), updater_(updater), config_(std::move(config)), worker_(worker), state_dir_(std::move(state_dir)) {
  objects_.OnCreate(
      kObj, [this](uint16_t instance) { Created(instance); },
      [this](uint16_t instance) -> lwm2m::OpResult<void> {
        {
          std::lock_guard lock(mutex_);
          if (active_ == instance) return lwm2m::OpFail(400, "deactivate /9/" + std::to_string(instance) + " first");
          packages_.erase(instance);
        }
        std::error_code ec;
        std::filesystem::remove_all(FolderOf(instance), ec);
        return {};
      });
  objects_.OnWrite([this](const lwm2m::Record& r) {
    if (r.path.object() != kObj || r.path.depth != 3) return;
    if (r.path.resource() == 3) OnPackageUri(r.path.instance(), std::get<std::string>(r.value));
    if (r.path.resource() == 2) OnPackage(r.path.instance(), std::get<lwm2m::Bytes>(r.value));
  });
  Restore();
}

std::string SoftwareManagementObject::FolderOf(uint16_t i) const {
  return (std::filesystem::path(state_dir_) / std::to_string(i)).string();
}

void SoftwareManagementObject::Persist(uint16_t i, const common::VerifiedPackage* package) {
  const std::string folder = FolderOf(i);
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (package != nullptr) {
    // Kept as a package again (unsigned: it was checked when it arrived), so a restore checks
    // every sha256 of it once more.
    auto tar = common::WritePackage(package->contents, nullptr);
    if (tar) compiler::WriteFile(folder + "/package.tar", tar->data(), tar->size());
  }
  auto text = [this, i](uint16_t r) {
    const auto v = objects_.Get(At(i, r));
    return v && std::holds_alternative<std::string>(*v) ? std::get<std::string>(*v) : std::string();
  };
  bool signed_package = false;
  {
    std::lock_guard lock(mutex_);
    if (auto it = packages_.find(i); it != packages_.end()) signed_package = it->second.signed_by_trusted_key;
  }
  const auto active = objects_.Get(At(i, 12));
  const nlohmann::json values = {{"state", StateOf(i)},
                                 {"result", std::get<int64_t>(objects_.Get(At(i, 9)).value_or(int64_t{0}))},
                                 {"name", text(0)},
                                 {"version", text(1)},
                                 {"active", active && std::get<bool>(*active)},
                                 {"signed", signed_package}};
  const std::string dumped = values.dump(2);
  compiler::WriteFile(folder + "/instance.json", dumped.data(), dumped.size());
}

void SoftwareManagementObject::Restore() {
  std::error_code ec;
  if (state_dir_.empty() || !std::filesystem::is_directory(state_dir_, ec)) return;
  for (const auto& entry : std::filesystem::directory_iterator(state_dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos || name.size() > 5) continue;
    const auto i = static_cast<uint16_t>(std::stoul(name));
    auto text = compiler::ReadFile(entry.path().string() + "/instance.json");
    const auto values = text ? nlohmann::json::parse(text->begin(), text->end(), nullptr, false) : nlohmann::json();
    if (!values.is_object()) continue;
    objects_.AddInstance(kObj, i);
    Created(i);
    int64_t state = values.value("state", int64_t{kSwInitial}), result = values.value("result", int64_t{kSwResultInitial});
    if (auto tar = compiler::ReadFile(entry.path().string() + "/package.tar"); tar && state >= kSwDelivered) {
      auto package = common::ReadPackage(std::string_view(reinterpret_cast<const char*>(tar->data()), tar->size()), std::nullopt);
      if (package) {
        package->signed_by_trusted_key = values.value("signed", false);
        std::lock_guard lock(mutex_);
        packages_[i] = std::move(*package);
      } else {
        Log(i, "the kept package is damaged (" + package.error().message + "): delivered again by the server");
        state = kSwInitial;
        result = kSwIntegrityFailure;
      }
    } else if (state != kSwInitial) {
      // The agent stopped mid-download: the server offers the package again and the partial
      // download resumes.
      state = kSwInitial;
      result = kSwConnectionLost;
    }
    objects_.Set(At(i, 0), values.value("name", std::string()));
    objects_.Set(At(i, 1), values.value("version", std::string()));
    const bool active = values.value("active", false) && state == kSwInstalled;
    objects_.Set(At(i, 12), active);
    if (active) {
      std::lock_guard lock(mutex_);
      active_ = i;
    }
    objects_.Set(At(i, 9), result);
    objects_.Set(At(i, 7), state);
    Log(i, "restored: update state " + std::to_string(state) + (active ? ", active" : ""));
  }
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
  Persist(i);
}

void SoftwareManagementObject::SetResult(uint16_t i, int64_t result) {
  objects_.Set(At(i, 9), result);
  Persist(i);
}

void SoftwareManagementObject::SetActive(uint16_t i, bool active) {
  objects_.Set(At(i, 12), active);
  Persist(i);
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
  Persist(i, &*package);
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
    SetResult(i, kSwInstallFailure);
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
      SetResult(i, kSwDeviceError);
      return;
    }
    std::optional<uint16_t> previous;
    {
      std::lock_guard lock(mutex_);
      previous = active_;
      active_ = i;
    }
    if (previous && *previous != i) SetActive(*previous, false);
    SetActive(i, true);
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
      SetResult(i, kSwDeviceError);
      return;
    }
    {
      std::lock_guard lock(mutex_);
      active_.reset();
    }
    SetActive(i, false);
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
  std::error_code ec;
  std::filesystem::remove(FolderOf(i) + "/package.tar", ec);
  objects_.Set(At(i, 0), std::string());
  objects_.Set(At(i, 1), std::string());
  Set(i, kSwInitial, kSwResultInitial);
  Log(i, "uninstalled");
  return {};
}

}  // namespace tml::agent
