#pragma once
// The service's state on the embedded default: SQLite (WAL) for records, a content-addressed
// blob folder for model files and artifacts. Everything survives a restart; builds that were
// running when the process died are marked failed with the reason on the next open.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/blob_store.h"
#include "store/store_error.h"

namespace tml::store {

class Database;

struct ModelRecord {
  int64_t id = 0;
  std::string name;
  std::string version;
  std::string blob_sha256;
  uint64_t bytes = 0;
  std::string facts_json;  ///< what `tmlc inspect --json` says about it
  std::string created_at;  ///< UTC, ISO 8601
};

struct TokenRecord {
  int64_t id = 0;
  std::string name;
  bool read_only = false;
  std::string created_at;
};

enum class BuildStatus { kQueued, kRunning, kSucceeded, kFailed, kCanceled };
const char* BuildStatusName(BuildStatus status);
/// The status named `text` ("queued", ...), if any.
std::optional<BuildStatus> ParseBuildStatus(const std::string& text);
/// Succeeded, failed or canceled: the build will not change any more.
bool IsFinished(BuildStatus status);

struct BuildRecord {
  int64_t id = 0;
  int64_t model_id = 0;
  std::string board;
  std::string builder;
  std::string builder_image;  ///< the image reference the builder named at creation; empty for the built-in
  std::string image_digest;   ///< the image that ran, pinned by digest (set when it is known)
  BuildStatus status = BuildStatus::kQueued;
  std::string reason;  ///< why it failed or was canceled
  std::string cache_key;
  std::string created_at;
  std::string started_at;
  std::string finished_at;
};

/// A registered builder image (the partner contract, docs/porting-guide.md).
struct BuilderRecord {
  int64_t id = 0;
  std::string name;
  std::string image;  ///< [REGISTRY/]REPOSITORY[:TAG][@DIGEST]
  std::vector<std::string> boards;
  int64_t contract_version = 1;
  bool is_default = false;  ///< the default builder of its boards
  std::string created_at;
};

/// A device provisioned for LwM2M: it may register with this endpoint name, over DTLS with
/// this PSK (or over plain CoAP on loopback).
struct DeviceRecord {
  int64_t id = 0;
  std::string endpoint;
  std::string psk_identity;
  std::string psk_key_hex;
  std::vector<std::string> tags;
  std::string created_at;
};

/// A build's artifact on its way to devices: FOTA (the whole image, LwM2M object 5) or SOTA
/// (the model slot, object 9), all at once or a canary of N devices first.
struct DeploymentRecord {
  int64_t id = 0;
  int64_t build_id = 0;
  std::string kind;      ///< fota | sota
  std::string strategy;  ///< all | canary
  int64_t canary = 0;    ///< devices that go first with the canary strategy
  std::string delivery;  ///< pull (http(s):// Package URI) | coap-pull (coap(s)://) | push (block-wise write of Package)
  std::string status;    ///< running | succeeded | failed | canceled
  std::string reason;
  std::string package_sha256;
  uint64_t package_bytes = 0;
  std::string created_at;
  std::string finished_at;
};

/// One device's part in a deployment. `status`: pending, downloading, updating, succeeded,
/// failed, canceled; `result` is the device's Update Result once it reported one.
struct DeploymentTarget {
  int64_t deployment_id = 0;
  std::string endpoint;
  int64_t position = 0;  ///< order in the deployment (the canary comes first)
  std::string status = "pending";
  int64_t progress = 0;  ///< percent downloaded
  std::optional<int64_t> result;
  std::string detail;
  std::string token;     ///< the capability in the target's Package URI
  std::optional<int64_t> instance;  ///< SOTA: the /9 instance the server created
  std::string updated_at;
};

struct ArtifactRecord {
  int64_t build_id = 0;
  std::string name;
  std::string blob_sha256;
  uint64_t bytes = 0;
};

/// Keyset pagination: up to `limit` records with id greater than `after_id`, by id.
struct Page {
  int64_t limit = 50;
  int64_t after_id = 0;
};

/// Thread-safe: every call takes the store's lock (one SQLite connection is shared).
class Store {
 public:
  /// Opens (creating) `<data_dir>/tinymlaas.db` and `<data_dir>/blobs` and migrates the schema.
  static StoreResult<std::unique_ptr<Store>> Open(const std::string& data_dir);
  ~Store();

  BlobStore& blobs() { return blobs_; }
  /// Marks builds left `running` by a previous server process as failed, with the reason.
  /// Only the server calls this, at start: other tools (token create) open the same store
  /// while a server runs. Returns how many builds it marked.
  int RecoverInterruptedBuilds();

  StoreResult<ModelRecord> AddModel(const std::string& name, const std::string& version, const Blob& blob,
                                    const std::string& facts_json);
  StoreResult<ModelRecord> GetModel(int64_t id);
  StoreResult<ModelRecord> FindModel(const std::string& name, const std::string& version);
  std::vector<ModelRecord> ListModels(const Page& page, const std::optional<std::string>& name = std::nullopt);
  /// Refuses (kConflict) while a build uses the model; drops the blob when nothing else uses it.
  StoreResult<void> DeleteModel(int64_t id);

  /// Creates a token and returns its secret; only its SHA-256 is stored.
  StoreResult<std::string> CreateToken(const std::string& name, bool read_only);
  std::optional<TokenRecord> Authenticate(const std::string& secret);
  int64_t CountTokens();

  StoreResult<BuilderRecord> AddBuilder(const BuilderRecord& builder);
  StoreResult<BuilderRecord> GetBuilder(const std::string& name);
  std::vector<BuilderRecord> ListBuilders();
  StoreResult<void> DeleteBuilder(const std::string& name);
  /// The newest default builder that serves `board`, if any.
  std::optional<BuilderRecord> DefaultBuilderFor(const std::string& board);

  /// Provisions a device with a fresh random 16-byte PSK; its identity is the endpoint name.
  StoreResult<DeviceRecord> AddDevice(const std::string& endpoint, const std::vector<std::string>& tags);
  StoreResult<DeviceRecord> GetDevice(const std::string& endpoint);
  std::optional<DeviceRecord> FindDeviceByIdentity(const std::string& psk_identity);
  std::vector<DeviceRecord> ListDevices(const Page& page);
  StoreResult<void> DeleteDevice(const std::string& endpoint);

  StoreResult<BuildRecord> AddBuild(int64_t model_id, const std::string& board, const std::string& builder,
                                    const std::string& builder_image, const std::string& cache_key);
  /// Records the pinned image a build ran.
  StoreResult<void> SetBuildImageDigest(int64_t id, const std::string& digest);
  StoreResult<BuildRecord> GetBuild(int64_t id);
  std::vector<BuildRecord> ListBuilds(const Page& page, const std::optional<BuildStatus>& status = std::nullopt);
  /// Moves a build along queued -> running -> succeeded | failed, or to canceled from
  /// queued/running; any other transition is kConflict.
  StoreResult<BuildRecord> SetBuildStatus(int64_t id, BuildStatus to, const std::string& reason = "");
  /// The newest succeeded build with this cache key (identical request), if any.
  std::optional<BuildRecord> FindSucceededBuild(const std::string& cache_key);

  StoreResult<DeploymentRecord> AddDeployment(const DeploymentRecord& deployment, const std::vector<std::string>& endpoints);
  StoreResult<DeploymentRecord> GetDeployment(int64_t id);
  std::vector<DeploymentRecord> ListDeployments(const Page& page, const std::optional<std::string>& status = std::nullopt);
  StoreResult<void> FinishDeployment(int64_t id, const std::string& status, const std::string& reason);
  std::vector<DeploymentTarget> ListTargets(int64_t deployment_id);
  std::optional<DeploymentTarget> FindTargetByToken(const std::string& token);
  void UpdateTarget(const DeploymentTarget& target);

  StoreResult<void> AddArtifact(int64_t build_id, const std::string& name, const Blob& blob);
  std::vector<ArtifactRecord> ListArtifacts(int64_t build_id);

 private:
  Store(std::unique_ptr<Database> db, const std::string& blob_root);

  std::recursive_mutex mutex_;
  std::unique_ptr<Database> db_;
  BlobStore blobs_;
};

/// Names of models and tokens: 1..100 of [A-Za-z0-9._-], not starting with '.', no "..".
StoreResult<void> ValidateName(const std::string& what, const std::string& name);

}  // namespace tml::store
