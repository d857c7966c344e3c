#include "server/deployment_runner.h"

#include <chrono>
#include <cstdio>
#include <fstream>

#include "compiler/file_io.h"
#include "lwm2m/content_format.h"
#include "lwm2m/lwm2m_server.h"
#include "lwm2m/objects.h"

namespace tml::server {

using lwm2m::MakePath;
namespace {

constexpr int kMaxResumes = 5;

bool Terminal(const std::string& status) { return status == "succeeded" || status == "failed" || status == "canceled"; }

struct DeviceValues {
  bool ok = false;
  int code = 0;
  std::string error;
  std::map<uint16_t, lwm2m::Value> values;  // resource -> value
  int64_t Int(uint16_t r, int64_t fallback = -1) const {
    auto it = values.find(r);
    if (it == values.end()) return fallback;
    if (auto* i = std::get_if<int64_t>(&it->second)) return *i;
    if (auto* u = std::get_if<uint64_t>(&it->second)) return static_cast<int64_t>(*u);
    return fallback;
  }
  bool Bool(uint16_t r) const {
    auto it = values.find(r);
    return it != values.end() && std::holds_alternative<bool>(it->second) && std::get<bool>(it->second);
  }
};

DeviceValues ValuesOf(const lwm2m::Path& instance, const lwm2m::Lwm2mResult<lwm2m::DeviceResponse>& r) {
  DeviceValues out;
  if (!r) {
    out.error = r.error();
    return out;
  }
  out.code = r->code;
  if (r->code != 205) {
    out.error = "the device answered " + lwm2m::CoapCodeText(r->code) + " to a read of " + instance.ToString();
    return out;
  }
  auto records = lwm2m::DecodeRecords(r->format.value_or(lwm2m::ContentFormat::kSenmlJson), instance, r->payload,
                                      lwm2m::TypeOfResource);
  if (!records) {
    out.error = "the device's answer: " + records.error();
    return out;
  }
  for (const auto& rec : *records) {
    if (rec.path.depth == 3) out.values[rec.path.resource()] = rec.value;
  }
  out.ok = true;
  return out;
}

/// A request that must be answered 2.xx; the error text otherwise.
std::optional<std::string> Expect2xx(const lwm2m::Lwm2mResult<lwm2m::DeviceResponse>& r, const std::string& what) {
  if (!r) return what + ": " + r.error();
  if (r->code / 100 != 2) {
    return what + ": the device answered " + lwm2m::CoapCodeText(r->code) +
           (r->payload.empty() ? "" : " " + std::string(r->payload.begin(), r->payload.end()));
  }
  return std::nullopt;
}

lwm2m::Bytes Tlv(const lwm2m::Path& path, lwm2m::Value value) {
  return lwm2m::EncodeRecords(lwm2m::ContentFormat::kTlv, path, {{path, std::move(value)}}).value_or(lwm2m::Bytes{});
}

}  // namespace

/// An observation of one object instance of one registration, and what it last said.
struct ObservedInstance {
  std::string observation, registration;
  lwm2m::Path path;
  std::mutex mutex;
  std::shared_ptr<const DeviceValues> latest;
};

/// What the runner remembers of a target between steps and does not store: the registration
/// it last acted on (a new one means the device restarted), the steps sent, retries.
struct DeploymentRunner::Transient {
  std::string registration;
  bool activate_sent = false;
  int resumes = 0;
  // The device's object instance is observed, not polled: the latest notification is here.
  std::shared_ptr<ObservedInstance> observed;
};

namespace {

void Forget(lwm2m::Lwm2mServer& server, DeploymentRunner::Transient& x) {
  if (x.observed && !x.observed->observation.empty()) server.CancelObservation(x.observed->observation);
  x.observed.reset();
}

/// The values of `instance` on `endpoint`: the latest notification of the observation of it
/// made in the device's current registration, else the first answer of a new Observe. Each
/// notification rings `doorbell`, so the runner acts on it at once.
template <typename Doorbell>
DeviceValues ObserveInstance(lwm2m::Lwm2mServer& server, const std::string& endpoint, const lwm2m::Path& instance,
                             DeploymentRunner::Transient& x, const std::shared_ptr<Doorbell>& doorbell) {
  const auto registration = server.FindEndpoint(endpoint);
  if (!registration) {
    DeviceValues offline;
    offline.error = "device " + endpoint + " is not registered";
    return offline;
  }
  if (x.observed && x.observed->path == instance && x.observed->registration == registration->id) {
    std::lock_guard lock(x.observed->mutex);
    if (x.observed->latest && x.observed->latest->ok) return *x.observed->latest;
  }
  Forget(server, x);  // another instance, a new registration, or an error ended it
  auto observed = std::make_shared<ObservedInstance>();
  observed->path = instance;
  observed->registration = registration->id;
  auto first = server.Observe(
      endpoint, instance, lwm2m::ContentFormat::kSenmlJson,
      [observed, instance, doorbell](const lwm2m::DeviceResponse& r) {
        auto values = std::make_shared<const DeviceValues>(ValuesOf(instance, r));
        {
          std::lock_guard lock(observed->mutex);
          observed->latest = std::move(values);
        }
        doorbell->Ring();
      },
      5);
  DeviceValues values = ValuesOf(instance, first);
  if (first && !first->observation.empty()) {
    observed->observation = first->observation;
    {
      std::lock_guard lock(observed->mutex);
      if (!observed->latest) observed->latest = std::make_shared<const DeviceValues>(values);
    }
    x.observed = std::move(observed);
  }
  return values;
}

}  // namespace

std::string FirmwareResultName(int64_t result) {
  static const char* names[] = {"initial",
                                "firmware updated successfully",
                                "not enough flash memory for the new firmware package",
                                "out of RAM during the download",
                                "connection lost during the download",
                                "integrity check failure for the new firmware package",
                                "unsupported package type",
                                "invalid URI",
                                "firmware update failed",
                                "unsupported protocol"};
  return result >= 0 && result <= 9 ? names[result] : "update result " + std::to_string(result);
}

std::string SoftwareResultName(int64_t result) {
  switch (result) {
    case 0: return "initial";
    case 1: return "downloading";
    case 2: return "software successfully installed";
    case 3: return "successfully downloaded and package integrity verified";
    case 50: return "not enough storage for the new software package";
    case 51: return "out of memory during the download";
    case 52: return "connection lost during the download";
    case 53: return "package integrity check failure";
    case 54: return "unsupported package type";
    case 56: return "invalid URI";
    case 57: return "device defined update error";
    case 58: return "software installation failure";
    case 59: return "uninstallation failure";
    default: return "update result " + std::to_string(result);
  }
}

DeploymentRunner::DeploymentRunner(store::Store& store, lwm2m::Lwm2mServer* lwm2m)
    : store_(store), lwm2m_(lwm2m), thread_([this] { Loop(); }) {}

void DeploymentRunner::SetPackageBaseUrl(std::string url) {
  std::lock_guard lock(mutex_);
  base_url_ = std::move(url);
}

void DeploymentRunner::SetCoapPackageBases(std::string coap, std::string coaps) {
  std::lock_guard lock(mutex_);
  coap_base_ = std::move(coap);
  coaps_base_ = std::move(coaps);
}

std::string DeploymentRunner::PackageUri(const store::DeploymentRecord& d, const std::string& endpoint,
                                         const std::string& token) {
  std::string base;
  if (d.delivery == "coap-pull") {
    const auto registration = lwm2m_ != nullptr ? lwm2m_->FindEndpoint(endpoint) : std::nullopt;
    const bool secure = registration && !registration->psk_identity.empty();
    std::lock_guard lock(mutex_);
    base = secure ? coaps_base_ : coap_base_;
  } else {
    std::lock_guard lock(mutex_);
    base = base_url_;
  }
  return base + "/" + token;
}

std::optional<std::vector<uint8_t>> DeploymentRunner::PackageSlice(const std::string& token, uint64_t offset, size_t size,
                                                                    uint64_t& total) {
  // Looked up once per token, not per block: a 300 KB package to 100 devices is 30,000 blocks.
  std::optional<PackageFile> file;
  {
    std::lock_guard lock(mutex_);
    if (auto it = package_files_.find(token); it != package_files_.end()) file = it->second;
  }
  if (!file) {
    const auto target = store_.FindTargetByToken(token);
    if (!target || target->status == "canceled") return std::nullopt;
    auto d = store_.GetDeployment(target->deployment_id);
    if (!d) return std::nullopt;
    file = PackageFile{store_.blobs().PathOf(d->package_sha256), d->package_bytes};
    std::lock_guard lock(mutex_);
    package_files_[token] = *file;
  }
  total = file->bytes;
  std::vector<uint8_t> bytes(static_cast<size_t>(std::min<uint64_t>(size, total - std::min(total, offset))));
  std::ifstream in(file->path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (static_cast<size_t>(in.gcount()) != bytes.size()) return std::nullopt;
  Served(token, offset + bytes.size());
  return bytes;
}

DeploymentRunner::~DeploymentRunner() {
  stopping_ = true;
  Poke();
  thread_.join();
}

void DeploymentRunner::Doorbell::Ring() {
  {
    std::lock_guard lock(mutex);
    ringing = true;
  }
  rung.notify_all();
}

void DeploymentRunner::Poke() { doorbell_->Ring(); }

void DeploymentRunner::Served(const std::string& token, uint64_t end) {
  std::lock_guard lock(mutex_);
  uint64_t& furthest = served_[token];
  furthest = std::max(furthest, end);
}

store::StoreResult<void> DeploymentRunner::Cancel(int64_t id) {
  auto d = store_.GetDeployment(id);
  if (!d) return tl::unexpected(d.error());
  if (d->status != "running") {
    return store::StoreFail(store::StoreErrorCode::kConflict, "deployment " + std::to_string(id) + " is " + d->status);
  }
  for (auto& t : store_.ListTargets(id)) {
    if (Terminal(t.status)) continue;
    if (t.status == "updating") continue;  // flashing: it finishes, and says how it went
    if (t.status == "downloading" && lwm2m_ != nullptr && d->kind == "fota") {
      // The spec's reset: an empty Package URI stops the download and returns to Idle.
      const auto uri = MakePath({lwm2m::kFirmwareObject, 0, 1});
      lwm2m_->Request(t.endpoint, lwm2m::Method::kPut, uri, std::nullopt, lwm2m::ContentFormat::kTlv, Tlv(uri, std::string()), 5);
    }
    t.status = "canceled";
    t.detail = "canceled by an operator";
    store_.UpdateTarget(t);
    std::lock_guard lock(mutex_);
    package_files_.erase(t.token);  // no more blocks for it
  }
  Poke();
  return {};
}

void DeploymentRunner::Loop() {
  while (!stopping_) {
    {
      std::unique_lock lock(doorbell_->mutex);
      doorbell_->rung.wait_for(lock, std::chrono::milliseconds(500), [this] { return doorbell_->ringing || stopping_.load(); });
      doorbell_->ringing = false;
    }
    if (stopping_) return;
    for (const auto& d : store_.ListDeployments({1000, 0}, std::string("running"))) {
      if (stopping_) return;
      try {
        Step(d);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "deployment %lld: %s\n", static_cast<long long>(d.id), e.what());
      }
    }
  }
}

void DeploymentRunner::Step(const store::DeploymentRecord& d) {
  auto targets = store_.ListTargets(d.id);
  bool canary_failed = false, canary_pending = false;
  for (const auto& t : targets) {
    if (d.strategy != "canary" || t.position >= d.canary) continue;
    canary_failed = canary_failed || t.status == "failed";
    canary_pending = canary_pending || t.status != "succeeded";
  }
  for (auto& t : targets) {
    if (Terminal(t.status)) continue;
    const bool is_canary = d.strategy == "canary" && t.position < d.canary;
    if (d.strategy == "canary" && !is_canary && t.status == "pending") {
      if (canary_failed) {
        t.status = "canceled";
        t.detail = "not started: a canary device failed";
        store_.UpdateTarget(t);
        continue;
      }
      if (canary_pending) {
        if (t.detail.empty()) {
          t.detail = "waiting for the canary";
          store_.UpdateTarget(t);
        }
        continue;
      }
    }
    std::unique_ptr<Transient>& x = transient_[t.token];
    if (!x) x = std::make_unique<Transient>();
    const store::DeploymentTarget before = t;
    StepTarget(d, t, *x);
    if (Terminal(t.status) && lwm2m_ != nullptr) Forget(*lwm2m_, *x);
    if (t.status != before.status || t.progress != before.progress || t.detail != before.detail || t.result != before.result ||
        t.instance != before.instance) {
      store_.UpdateTarget(t);
    }
  }
  // Finished when every device is.
  targets = store_.ListTargets(d.id);
  size_t succeeded = 0, failed = 0, canceled = 0;
  for (const auto& t : targets) {
    if (!Terminal(t.status)) return;
    succeeded += t.status == "succeeded";
    failed += t.status == "failed";
    canceled += t.status == "canceled";
  }
  const std::string counts = std::to_string(succeeded) + " succeeded, " + std::to_string(failed) + " failed, " +
                             std::to_string(canceled) + " canceled";
  const std::string status = failed > 0 ? "failed" : canceled > 0 ? "canceled" : "succeeded";
  store_.FinishDeployment(d.id, status, counts);
  {
    std::lock_guard lock(mutex_);
    for (const auto& t : targets) {
      served_.erase(t.token);
      package_files_.erase(t.token);
    }
  }
  for (const auto& t : targets) {
    if (auto it = transient_.find(t.token); it != transient_.end()) {
      if (lwm2m_ != nullptr) Forget(*lwm2m_, *it->second);
      transient_.erase(it);
    }
  }
  std::printf("deployment %lld %s: %s\n", static_cast<long long>(d.id), status.c_str(), counts.c_str());
  std::fflush(stdout);
}

int64_t DeploymentRunner::ProgressOf(const store::DeploymentRecord& d, const std::string& token) {
  if (d.package_bytes == 0) return 0;
  std::lock_guard lock(mutex_);
  return static_cast<int64_t>(std::min<uint64_t>(100, served_[token] * 100 / d.package_bytes));
}

std::optional<std::string> DeploymentRunner::Push(const store::DeploymentRecord& d, const std::string& endpoint,
                                                  const lwm2m::Path& package) {
  auto bytes = compiler::ReadFile(store_.blobs().PathOf(d.package_sha256));
  if (!bytes) return "the package: " + bytes.error().message;
  // Block-wise (RFC 7959) on libcoap: the Write is answered when the last block is.
  return Expect2xx(lwm2m_->Request(endpoint, lwm2m::Method::kPut, package, std::nullopt, lwm2m::ContentFormat::kOpaque,
                                   std::move(*bytes), 600),
                   "push of the package");
}

void DeploymentRunner::StepTarget(const store::DeploymentRecord& d, store::DeploymentTarget& t, Transient& x) {
  if (lwm2m_ == nullptr) {
    t.status = "failed";
    t.detail = "this server runs no LwM2M server";
    return;
  }
  const auto registration = lwm2m_->FindEndpoint(t.endpoint);
  if (!registration) {
    if (t.detail.find("offline") == std::string::npos) t.detail = "offline: continues when the device registers again";
    return;
  }
  if (t.status != "pending" && !x.registration.empty() && registration->id != x.registration) {
    t.detail = "the device registered again";
  }
  if (d.kind == "fota") StepFota(d, t, x);
  else StepSota(d, t, x);
  x.registration = registration->id;
}

void DeploymentRunner::StepFota(const store::DeploymentRecord& d, store::DeploymentTarget& t, Transient& x) {
  constexpr uint16_t kObj = lwm2m::kFirmwareObject;
  auto& server = *lwm2m_;
  auto send_package = [&]() -> bool {
    std::optional<std::string> error;
    if (d.delivery == "push") {
      error = Push(d, t.endpoint, MakePath({kObj, 0, 0}));
    } else {
      const auto path = MakePath({kObj, 0, 1});
      error = Expect2xx(server.Request(t.endpoint, lwm2m::Method::kPut, path, std::nullopt, lwm2m::ContentFormat::kTlv,
                                       Tlv(path, PackageUri(d, t.endpoint, t.token)), 5),
                        "write of the Package URI");
    }
    if (error) {
      t.detail = *error;
      return false;
    }
    return true;
  };
  if (t.status == "pending") {
    if (send_package()) {
      t.status = "downloading";
      t.detail = d.delivery == "push" ? "package pushed" : "Package URI written";
    }
    return;
  }
  const DeviceValues v = ObserveInstance(server, t.endpoint, MakePath({kObj, 0}), x, doorbell_);
  if (!v.ok) {
    t.detail = v.error;
    return;
  }
  const int64_t state = v.Int(3), result = v.Int(5);
  if (t.status == "downloading") {
    t.progress = ProgressOf(d, t.token);
    if (state == 1) return;
    if (state == 2) {
      t.progress = 100;
      if (auto e = Expect2xx(server.Request(t.endpoint, lwm2m::Method::kPost, MakePath({kObj, 0, 2}), std::nullopt,
                                            std::nullopt, {}, 10),
                             "Update (5/0/2)")) {
        t.detail = *e;
        return;
      }
      t.status = "updating";
      t.detail = "flashing";
      return;
    }
    if (state == 0 && (result == 0 || result == 4)) {
      // Idle again without a verdict: the agent restarted, or the link broke. Offer the same
      // package again: the agent resumes its partial download with a Range request.
      if (result == 0 && t.detail != "the device registered again") return;  // it has not started yet
      if (++x.resumes > kMaxResumes) {
        t.status = "failed";
        t.result = result;
        t.detail = "gave up after " + std::to_string(kMaxResumes) + " resumes: " + FirmwareResultName(result);
        return;
      }
      if (send_package()) t.detail = "download resumed (" + std::to_string(x.resumes) + ")";
      return;
    }
    if (state == 0) {
      t.status = "failed";
      t.result = result;
      t.detail = FirmwareResultName(result) + "; the device keeps its image";
    }
    return;
  }
  if (t.status == "updating") {
    if (state == 3) return;
    if (state == 0 && result == 1) {
      const auto reported = server.RefreshDeviceInfo(t.endpoint);  // also what `devices show` says
      const std::string expected = "build-" + std::to_string(d.build_id);
      t.result = result;
      if (reported && *reported != expected) {
        t.status = "failed";
        t.detail = "the device reports firmware " + *reported + ", not " + expected;
        return;
      }
      t.status = "succeeded";
      t.progress = 100;
      t.detail = "runs " + expected;
      return;
    }
    if (state == 0 && result > 1) {
      t.status = "failed";
      t.result = result;
      t.detail = FirmwareResultName(result) + "; the device runs its previous image";
    }
  }
}

void DeploymentRunner::StepSota(const store::DeploymentRecord& d, store::DeploymentTarget& t, Transient& x) {
  constexpr uint16_t kObj = lwm2m::kSoftwareObject;
  auto& server = *lwm2m_;
  // The package into instance K: its Package URI (pull) or Package itself (push).
  auto send = [&] {
    const auto k = static_cast<uint16_t>(*t.instance);
    const auto uri = MakePath({kObj, k, 3});
    if (d.delivery == "push") {
      if (auto e = Push(d, t.endpoint, MakePath({kObj, k, 2}))) {
        t.detail = *e;
        return false;
      }
    } else if (auto e = Expect2xx(server.Request(t.endpoint, lwm2m::Method::kPut, uri, std::nullopt, lwm2m::ContentFormat::kTlv,
                                                 Tlv(uri, PackageUri(d, t.endpoint, t.token)), 5),
                                  "write of the Package URI")) {
      t.detail = *e;
      return false;
    }
    return true;
  };
  auto create_and_send = [&] {
    auto created = server.Request(t.endpoint, lwm2m::Method::kPost, MakePath({kObj}), std::nullopt, std::nullopt, {}, 5);
    if (auto e = Expect2xx(created, "Create of a /9 instance")) {
      t.detail = *e;
      return;
    }
    if (!created->location || created->location->depth != 2) {
      t.detail = "the device's Create answer names no /9 instance";
      return;
    }
    t.instance = created->location->instance();
    if (!send()) return;
    t.status = "downloading";
    t.detail = "package offered in /9/" + std::to_string(*t.instance);
    x.activate_sent = false;
  };
  if (t.status == "pending" || !t.instance) return create_and_send();
  const auto instance = MakePath({kObj, static_cast<uint16_t>(*t.instance)});
  const DeviceValues v = ObserveInstance(server, t.endpoint, instance, x, doorbell_);
  if (!v.ok) {
    if (v.code == 404) create_and_send();  // the device restarted and forgot the instance
    else t.detail = v.error;
    return;
  }
  const int64_t state = v.Int(7), result = v.Int(9);
  auto exec = [&](uint16_t resource, const char* what) {
    if (auto e = Expect2xx(server.Request(t.endpoint, lwm2m::Method::kPost,
                                          MakePath({kObj, static_cast<uint16_t>(*t.instance), resource}), std::nullopt,
                                          std::nullopt, {}, 10),
                           what)) {
      t.detail = *e;
      return false;
    }
    return true;
  };
  if (result == 52 && t.status == "downloading" && x.resumes < kMaxResumes) {
    // Connection lost (or the agent restarted mid-download): offer the same package again;
    // the agent resumes its partial download.
    if (send()) t.detail = "download resumed (" + std::to_string(++x.resumes) + ")";
    return;
  }
  if (result >= 50) {
    t.status = "failed";
    t.result = result;
    t.detail = SoftwareResultName(result) + "; the device keeps its model";
    return;
  }
  if (t.status == "downloading") {
    t.progress = ProgressOf(d, t.token);
    if (state == 3 && exec(4, "Install (9/N/4)")) {
      t.progress = 100;
      t.status = "updating";
      t.detail = "installing";
    }
    return;
  }
  if (t.status == "updating") {
    if (state == 4 && !x.activate_sent && !v.Bool(12)) {
      if (exec(10, "Activate (9/N/10)")) {
        x.activate_sent = true;
        t.detail = "activating: flashing the model slot";
      }
      return;
    }
    // A failed activation is Update Result 57, handled with the other failures above.
    if (state == 4 && v.Bool(12)) {
      server.RefreshDeviceInfo(t.endpoint);
      t.status = "succeeded";
      t.result = result;
      t.detail = "the model is active";
    }
  }
}

}  // namespace tml::server
