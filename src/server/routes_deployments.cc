// /api/v1/deployments: a build's artifact to a set of devices (FOTA or SOTA), checked before
// anything is sent; /api/v1/packages/{token}: the signed package a device downloads (its
// Package URI, with a capability token per device instead of an API token);
// /api/v1/signing-key: the public key agents trust (docs/deployments.md).
#include <map>

#include "common/digest.h"
#include "common/package.h"
#include "compiler/file_io.h"
#include "firmware/host/model_slot.h"
#include "lwm2m/lwm2m_server.h"
#include "server/api_error.h"
#include "server/deployment_runner.h"
#include "server/routes.h"

namespace tml::server {
namespace {

using nlohmann::json;

constexpr uint64_t kMaxPackageBytes = 64u << 20;

ApiError Unprocessable(const std::string& detail) { return ApiError(422, "Unprocessable Content", detail); }

DeploymentRunner& Runner(const RouteContext& c) {
  if (c.options.deployments == nullptr) {
    throw ApiError(503, "Service Unavailable", "this server runs no LwM2M server, so no deployments (serve --coaps)");
  }
  return *c.options.deployments;
}

json TargetView(const store::DeploymentTarget& t) {
  return {{"endpoint", t.endpoint},
          {"status", t.status},
          {"progress", t.progress},
          {"update_result", t.result ? json(*t.result) : json()},
          {"detail", t.detail},
          {"instance", t.instance ? json(*t.instance) : json()},
          {"updated_at", t.updated_at}};
}

json DeploymentView(RouteContext& c, const store::DeploymentRecord& d, bool with_targets) {
  json view = {{"id", d.id},
               {"build", d.build_id},
               {"kind", d.kind},
               {"strategy", d.strategy},
               {"canary", d.canary},
               {"delivery", d.delivery},
               {"status", d.status},
               {"reason", d.reason.empty() ? json() : json(d.reason)},
               {"package", {{"sha256", d.package_sha256}, {"bytes", d.package_bytes}}},
               {"created_at", d.created_at},
               {"finished_at", d.finished_at.empty() ? json() : json(d.finished_at)}};
  json counts = {{"pending", 0}, {"downloading", 0}, {"updating", 0}, {"succeeded", 0}, {"failed", 0}, {"canceled", 0}};
  json targets = json::array();
  for (const auto& t : c.store.ListTargets(d.id)) {
    counts[t.status] = counts.value(t.status, 0) + 1;
    if (with_targets) targets.push_back(TargetView(t));
  }
  view["counts"] = counts;
  if (with_targets) view["devices"] = targets;
  return view;
}

/// The contents of a stored blob; a 500 naming it when it cannot be read.
std::vector<uint8_t> ReadBlob(RouteContext& c, const std::string& sha256) {
  auto bytes = compiler::ReadFile(c.store.blobs().PathOf(sha256));
  if (!bytes) throw ApiError(500, "Internal Server Error", bytes.error().message);
  return std::move(*bytes);
}

/// An artifact (manifest.json, firmware.bin) of a build that may be deployed; a 422 otherwise.
std::vector<uint8_t> BuildArtifact(RouteContext& c, int64_t build_id, const std::string& name) {
  auto build = c.store.GetBuild(build_id);
  if (!build) throw Unprocessable("\"build\": no build " + std::to_string(build_id));
  if (build->status != store::BuildStatus::kSucceeded) {
    throw Unprocessable("build " + std::to_string(build_id) + " is " + store::BuildStatusName(build->status) +
                        ": only a succeeded build can be deployed");
  }
  for (const auto& a : c.store.ListArtifacts(build_id)) {
    if (a.name == name) return ReadBlob(c, a.blob_sha256);
  }
  throw Unprocessable("build " + std::to_string(build_id) + " has no firmware.bin and manifest.json");
}

json BuildManifest(RouteContext& c, int64_t build_id) {
  const auto text = BuildArtifact(c, build_id, "manifest.json");
  auto manifest = json::parse(text.begin(), text.end(), nullptr, false);
  if (!manifest.is_object()) throw Unprocessable("build " + std::to_string(build_id) + " has no firmware.bin and manifest.json");
  return manifest;
}

/// The build a device's firmware came from ("build-N" as its Firmware Version), if any.
std::optional<int64_t> BuildOfVersion(const std::string& version) {
  if (version.rfind("build-", 0) != 0 || version.size() == 6) return std::nullopt;
  for (size_t i = 6; i < version.size(); ++i) {
    if (version[i] < '0' || version[i] > '9') return std::nullopt;
  }
  return std::stoll(version.substr(6));
}

std::vector<std::string> TargetEndpoints(RouteContext& c, const json& body) {
  std::vector<std::string> endpoints;
  if (body.contains("devices")) {
    if (!body["devices"].is_array() || body["devices"].empty()) throw Unprocessable("\"devices\" must be a non-empty array of endpoint names");
    for (const auto& e : body["devices"]) {
      if (!e.is_string()) throw Unprocessable("\"devices\" must be a non-empty array of endpoint names");
      if (!c.store.GetDevice(e.get<std::string>())) throw Unprocessable("\"devices\": no device " + e.get<std::string>() + " is provisioned");
      if (std::find(endpoints.begin(), endpoints.end(), e.get<std::string>()) == endpoints.end()) endpoints.push_back(e.get<std::string>());
    }
  }
  if (body.contains("tag")) {
    if (!body["tag"].is_string()) throw Unprocessable("\"tag\" must be a tag name");
    const std::string tag = body["tag"];
    for (store::Page page{1000, 0};;) {
      const auto devices = c.store.ListDevices(page);
      for (const auto& d : devices) {
        if (std::find(d.tags.begin(), d.tags.end(), tag) != d.tags.end() &&
            std::find(endpoints.begin(), endpoints.end(), d.endpoint) == endpoints.end()) {
          endpoints.push_back(d.endpoint);
        }
      }
      if (devices.size() < static_cast<size_t>(page.limit)) break;
      page.after_id = devices.back().id;
    }
    if (endpoints.empty()) throw Unprocessable("\"tag\": no device is tagged " + tag);
  }
  if (endpoints.empty()) throw Unprocessable("name the devices: \"devices\" (endpoint names) or \"tag\"");
  return endpoints;
}

/// Refuses a SOTA that a device's firmware cannot run, naming the device and what it lacks.
void CheckModelFits(RouteContext& c, const std::vector<std::string>& endpoints, const json& model_manifest) {
  std::map<int64_t, json> firmware_manifests;  // a fleet mostly runs a few builds
  for (const std::string& endpoint : endpoints) {
    const auto r = c.options.lwm2m->FindEndpoint(endpoint);
    if (!r || r->firmware_version.empty()) {
      throw ApiError(409, "Conflict", "device " + endpoint + " has not reported its firmware (is it registered?): a model-only update needs to know it");
    }
    const auto build = BuildOfVersion(r->firmware_version);
    if (!build) {
      throw Unprocessable("device " + endpoint + " runs firmware '" + r->firmware_version +
                          "', which this server did not build: deploy a firmware (fota) first");
    }
    auto [it, added] = firmware_manifests.try_emplace(*build);
    if (added) it->second = BuildManifest(c, *build);
    if (const auto missing = firmware::MissingForModel(it->second, model_manifest); !missing.empty()) {
      std::string text;
      for (const auto& m : missing) text += (text.empty() ? "" : "; ") + m;
      throw Unprocessable("device " + endpoint + " (firmware build-" + std::to_string(*build) + ") cannot run this model: " + text);
    }
  }
}

void CreateDeployment(RouteContext& c) {
  auto& runner = Runner(c);
  const auto body = json::parse(c.request.body, nullptr, false);
  if (!body.is_object()) throw ApiError(400, "Bad Request", "the body must be a JSON object");
  if (!body.contains("build") || !body["build"].is_number_integer()) throw Unprocessable("\"build\" (a build id) is required");
  store::DeploymentRecord d;
  d.build_id = body["build"].get<int64_t>();
  d.kind = body.value("kind", std::string("fota"));
  if (d.kind != "fota" && d.kind != "sota") throw Unprocessable("\"kind\" is fota (the whole firmware) or sota (the model only)");
  d.strategy = body.value("strategy", std::string("all"));
  if (d.strategy != "all" && d.strategy != "canary") throw Unprocessable("\"strategy\" is all or canary");
  d.canary = body.contains("canary") && body["canary"].is_number_integer() ? body["canary"].get<int64_t>() : 1;
  if (d.strategy == "canary" && d.canary < 1) throw Unprocessable("\"canary\" must be at least 1");
  if (d.strategy == "all") d.canary = 0;
  d.delivery = body.value("delivery", std::string("pull"));
  if (d.delivery != "pull" && d.delivery != "coap-pull" && d.delivery != "push") {
    throw Unprocessable("\"delivery\" is pull (an http(s):// Package URI), coap-pull (a coap(s):// Package URI, Block2) or push (block-wise write)");
  }
  const auto endpoints = TargetEndpoints(c, body);
  const json manifest = BuildManifest(c, d.build_id);
  auto bin = BuildArtifact(c, d.build_id, "firmware.bin");

  for (const auto& running : c.store.ListDeployments({1000, 0}, std::string("running"))) {
    for (const auto& t : c.store.ListTargets(running.id)) {
      if (std::find(endpoints.begin(), endpoints.end(), t.endpoint) != endpoints.end() && t.status != "succeeded" &&
          t.status != "failed" && t.status != "canceled") {
        throw ApiError(409, "Conflict", "device " + t.endpoint + " is in deployment " + std::to_string(running.id) + ", still running");
      }
    }
  }
  common::PackageContents contents;
  contents.kind = d.kind == "fota" ? common::PackageKind::kFirmware : common::PackageKind::kModel;
  contents.build_id = d.build_id;
  contents.version = "build-" + std::to_string(d.build_id);
  contents.board = manifest.value("board", std::string());
  contents.manifest_text = manifest.dump(2) + "\n";
  if (d.kind == "sota") {
    CheckModelFits(c, endpoints, manifest);
    auto plan = firmware::PlanInImage(bin, manifest);
    if (!plan) throw Unprocessable("build " + std::to_string(d.build_id) + ": " + plan.error().message);
    contents.payload = std::move(*plan);
  } else {
    contents.payload.assign(bin.begin(), bin.end());
  }
  auto package = common::WritePackage(contents, c.options.signing_key);
  if (!package) throw ApiError(500, "Internal Server Error", package.error());
  auto blob = c.store.blobs().PutBytes(std::span(reinterpret_cast<const uint8_t*>(package->data()), package->size()), kMaxPackageBytes);
  if (!blob) throw FromStore(blob.error());
  d.package_sha256 = blob->sha256;
  d.package_bytes = blob->bytes;
  auto added = c.store.AddDeployment(d, endpoints);
  if (!added) throw FromStore(added.error());
  runner.Poke();
  c.response.set_header("Location", "/api/v1/deployments/" + std::to_string(added->id));
  SendJson(c.response, 201, DeploymentView(c, *added, true));
}

/// The package of the target with this token, with HTTP Range (a device resumes) and the
/// served bytes told to the runner (the device's download progress).
void Package(RouteContext& c) {
  const std::string token = c.request.matches[1].str();
  const auto target = c.store.FindTargetByToken(token);
  if (!target) throw ApiError(404, "Not Found", "no package for this token");
  auto d = c.store.GetDeployment(target->deployment_id);
  if (!d) throw FromStore(d.error());
  if (target->status == "canceled") throw ApiError(410, "Gone", "the deployment to this device was canceled");
  DeploymentRunner* runner = c.options.deployments;
  SendBlob(c, d->package_sha256, d->package_bytes, "package.tar", "application/x-tar", [runner, token](uint64_t end) {
    if (runner != nullptr) runner->Served(token, end);
  });
}

}  // namespace

std::vector<Route> DeploymentRoutes() {
  return {
      {"POST", "/api/v1/deployments", Access::kWrite, false, CreateDeployment},
      {"GET", "/api/v1/deployments", Access::kRead, false,
       [](RouteContext& c) {
         const store::Page page = PageFromQuery(c.request);
         std::optional<std::string> status;
         if (c.request.has_param("status")) status = c.request.get_param_value("status");
         const auto list = c.store.ListDeployments(page, status);
         json items = json::array();
         for (const auto& d : list) items.push_back(DeploymentView(c, d, false));
         SendJson(c.response, 200, {{"items", items}, {"next_after", NextAfter(list.size(), page, list.empty() ? 0 : list.back().id)}});
       }},
      {"GET", R"(/api/v1/deployments/(\d+))", Access::kRead, false,
       [](RouteContext& c) {
         auto d = c.store.GetDeployment(PathId(c.request, 1));
         if (!d) throw FromStore(d.error());
         SendJson(c.response, 200, DeploymentView(c, *d, true));
       }},
      {"POST", R"(/api/v1/deployments/(\d+)/cancel)", Access::kWrite, false,
       [](RouteContext& c) {
         const int64_t id = PathId(c.request, 1);
         if (auto r = Runner(c).Cancel(id); !r) throw FromStore(r.error());
         auto d = c.store.GetDeployment(id);
         if (!d) throw FromStore(d.error());
         SendJson(c.response, 200, DeploymentView(c, *d, true));
       }},
      {"GET", R"(/api/v1/packages/([0-9a-f]{32}))", Access::kOpen, false, Package},
      {"GET", "/api/v1/signing-key", Access::kRead, false,
       [](RouteContext& c) {
         if (c.options.signing_key == nullptr) throw ApiError(404, "Not Found", "this server signs no packages");
         const auto& k = c.options.signing_key->public_key;
         SendJson(c.response, 200, {{"algorithm", "ed25519"},
                                    {"public_key", common::ToHex(reinterpret_cast<const uint8_t*>(k.data()), k.size())}});
       }},
  };
}

}  // namespace tml::server
