#include "store/store.h"

#include <openssl/rand.h>

#include <filesystem>

#include "common/digest.h"
#include "common/utc_time.h"
#include "store/database.h"
#include "store/migrations.h"

namespace tml::store {

namespace {

constexpr const char* kModelColumns = "id, name, version, blob_sha256, bytes, facts_json, created_at";
constexpr const char* kBuildColumns =
    "id, model_id, board, builder, status, reason, cache_key, created_at, started_at, finished_at, builder_image, "
    "image_digest";

ModelRecord ReadModel(const Statement& s) {
  return {s.Int(0), s.Text(1), s.Text(2), s.Text(3), static_cast<uint64_t>(s.Int(4)), s.Text(5), s.Text(6)};
}

BuildRecord ReadBuild(const Statement& s) {
  BuildRecord b;
  b.id = s.Int(0);
  b.model_id = s.Int(1);
  b.board = s.Text(2);
  b.builder = s.Text(3);
  b.status = ParseBuildStatus(s.Text(4)).value_or(BuildStatus::kQueued);  // the schema CHECKs the names
  b.reason = s.OptionalText(5).value_or("");
  b.cache_key = s.Text(6);
  b.created_at = s.Text(7);
  b.started_at = s.OptionalText(8).value_or("");
  b.finished_at = s.OptionalText(9).value_or("");
  b.builder_image = s.OptionalText(10).value_or("");
  b.image_digest = s.OptionalText(11).value_or("");
  return b;
}

bool Allowed(BuildStatus from, BuildStatus to) {
  switch (from) {
    case BuildStatus::kQueued: return to == BuildStatus::kRunning || to == BuildStatus::kCanceled || to == BuildStatus::kFailed;
    case BuildStatus::kRunning:
      return to == BuildStatus::kSucceeded || to == BuildStatus::kFailed || to == BuildStatus::kCanceled;
    default: return false;  // finished builds stay finished
  }
}

}  // namespace

const char* BuildStatusName(BuildStatus status) {
  switch (status) {
    case BuildStatus::kQueued: return "queued";
    case BuildStatus::kRunning: return "running";
    case BuildStatus::kSucceeded: return "succeeded";
    case BuildStatus::kFailed: return "failed";
    case BuildStatus::kCanceled: return "canceled";
  }
  return "queued";
}

std::optional<BuildStatus> ParseBuildStatus(const std::string& text) {
  for (BuildStatus s : {BuildStatus::kQueued, BuildStatus::kRunning, BuildStatus::kSucceeded, BuildStatus::kFailed,
                        BuildStatus::kCanceled}) {
    if (text == BuildStatusName(s)) return s;
  }
  return std::nullopt;
}

bool IsFinished(BuildStatus status) {
  return status == BuildStatus::kSucceeded || status == BuildStatus::kFailed || status == BuildStatus::kCanceled;
}

StoreResult<void> ValidateName(const std::string& what, const std::string& name) {
  if (name.empty() || name.size() > 100) return StoreFail(StoreErrorCode::kInvalid, what + " must be 1 to 100 characters");
  for (unsigned char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                    c == '-';
    if (!ok) {
      return StoreFail(StoreErrorCode::kInvalid,
                       what + " may contain only letters, digits, '.', '_' and '-' (found byte " + std::to_string(c) + ")");
    }
  }
  if (name[0] == '.' || name.find("..") != std::string::npos) {
    return StoreFail(StoreErrorCode::kInvalid, what + " must not start with '.' or contain '..'");
  }
  return {};
}

Store::Store(std::unique_ptr<Database> db, const std::string& blob_root) : db_(std::move(db)), blobs_(blob_root) {}
Store::~Store() = default;

StoreResult<std::unique_ptr<Store>> Store::Open(const std::string& data_dir_arg) {
  std::error_code ec;
  // Absolute, so blob paths stay valid from any working folder (build work folders link to them).
  const std::string data_dir = std::filesystem::absolute(data_dir_arg, ec).string();
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return StoreFail(StoreErrorCode::kIo, "cannot create " + data_dir + ": " + ec.message());
  try {
    auto db = std::make_unique<Database>(data_dir + "/tinymlaas.db");
    Migrate(*db);
    return std::unique_ptr<Store>(new Store(std::move(db), data_dir + "/blobs"));
  } catch (const DatabaseError& e) {
    return StoreFail(StoreErrorCode::kIo, e.what());
  }
}

int Store::RecoverInterruptedBuilds() {
  std::lock_guard lock(mutex_);
  Statement s = db_->Prepare(
      "UPDATE builds SET status = 'failed', reason = 'the server stopped while the build was running', "
      "finished_at = ?1 WHERE status = 'running'");
  s.Bind(1, common::NowUtc()).Run();
  return static_cast<int>(db_->Changes());
}

StoreResult<ModelRecord> Store::AddModel(const std::string& name, const std::string& version, const Blob& blob,
                                         const std::string& facts_json) {
  std::lock_guard lock(mutex_);
  if (auto r = ValidateName("model name", name); !r) return tl::unexpected(r.error());
  if (auto r = ValidateName("model version", version); !r) return tl::unexpected(r.error());
  try {
    Statement s = db_->Prepare(
        "INSERT INTO models (name, version, blob_sha256, bytes, facts_json, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.Bind(1, name).Bind(2, version).Bind(3, blob.sha256).Bind(4, static_cast<int64_t>(blob.bytes)).Bind(5, facts_json);
    s.Bind(6, common::NowUtc()).Run();
  } catch (const DatabaseError& e) {
    if (e.constraint()) return StoreFail(StoreErrorCode::kConflict, "model " + name + " version " + version + " exists");
    throw;
  }
  return GetModel(db_->LastInsertId());
}

StoreResult<ModelRecord> Store::GetModel(int64_t id) {
  std::lock_guard lock(mutex_);
  Statement s = db_->Prepare(std::string("SELECT ") + kModelColumns + " FROM models WHERE id = ?1");
  if (!s.Bind(1, id).Step()) return StoreFail(StoreErrorCode::kNotFound, "no model " + std::to_string(id));
  return ReadModel(s);
}

StoreResult<ModelRecord> Store::FindModel(const std::string& name, const std::string& version) {
  std::lock_guard lock(mutex_);
  Statement s = db_->Prepare(std::string("SELECT ") + kModelColumns + " FROM models WHERE name = ?1 AND version = ?2");
  if (!s.Bind(1, name).Bind(2, version).Step()) {
    return StoreFail(StoreErrorCode::kNotFound, "no model " + name + " version " + version);
  }
  return ReadModel(s);
}

std::vector<ModelRecord> Store::ListModels(const Page& page, const std::optional<std::string>& name) {
  std::lock_guard lock(mutex_);
  Statement s = db_->Prepare(std::string("SELECT ") + kModelColumns +
                             " FROM models WHERE id > ?1 AND (?2 IS NULL OR name = ?2) ORDER BY id LIMIT ?3");
  s.Bind(1, page.after_id);
  if (name) s.Bind(2, *name); else s.BindNull(2);
  s.Bind(3, page.limit);
  std::vector<ModelRecord> models;
  while (s.Step()) models.push_back(ReadModel(s));
  return models;
}

StoreResult<void> Store::DeleteModel(int64_t id) {
  std::lock_guard lock(mutex_);
  auto model = GetModel(id);
  if (!model) return tl::unexpected(model.error());
  Statement used = db_->Prepare("SELECT COUNT(*) FROM builds WHERE model_id = ?1");
  used.Bind(1, id).Step();
  if (used.Int(0) > 0) {
    return StoreFail(StoreErrorCode::kConflict,
                     "model " + std::to_string(id) + " is used by " + std::to_string(used.Int(0)) + " build(s)");
  }
  db_->Prepare("DELETE FROM models WHERE id = ?1").Bind(1, id).Run();
  Statement shared = db_->Prepare("SELECT COUNT(*) FROM models WHERE blob_sha256 = ?1");
  shared.Bind(1, model->blob_sha256).Step();
  if (shared.Int(0) == 0) blobs_.Remove(model->blob_sha256);
  return {};
}

StoreResult<std::string> Store::CreateToken(const std::string& name, bool read_only) {
  std::lock_guard lock(mutex_);
  if (auto r = ValidateName("token name", name); !r) return tl::unexpected(r.error());
  unsigned char random[32];
  if (RAND_bytes(random, sizeof(random)) != 1) return StoreFail(StoreErrorCode::kIo, "no randomness for a token");
  const std::string secret = "tml_" + common::ToHex(random, sizeof(random));
  try {
    Statement s = db_->Prepare("INSERT INTO tokens (name, secret_sha256, read_only, created_at) VALUES (?1, ?2, ?3, ?4)");
    s.Bind(1, name).Bind(2, common::Sha256Hex(secret)).Bind(3, int64_t{read_only}).Bind(4, common::NowUtc()).Run();
  } catch (const DatabaseError& e) {
    if (e.constraint()) return StoreFail(StoreErrorCode::kConflict, "a token named " + name + " exists");
    throw;
  }
  return secret;
}

int64_t Store::CountTokens() {
  std::lock_guard lock(mutex_);
  Statement s = db_->Prepare("SELECT COUNT(*) FROM tokens");
  return s.Step() ? s.Int(0) : 0;
}

std::optional<TokenRecord> Store::Authenticate(const std::string& secret) {
  std::lock_guard lock(mutex_);
  Statement s = db_->Prepare("SELECT id, name, read_only, created_at FROM tokens WHERE secret_sha256 = ?1");
  if (!s.Bind(1, common::Sha256Hex(secret)).Step()) return std::nullopt;
  return TokenRecord{s.Int(0), s.Text(1), s.Int(2) != 0, s.Text(3)};
}

StoreResult<BuildRecord> Store::AddBuild(int64_t model_id, const std::string& board, const std::string& builder,
                                         const std::string& builder_image, const std::string& cache_key) {
  std::lock_guard lock(mutex_);
  if (auto model = GetModel(model_id); !model) return tl::unexpected(model.error());
  if (auto r = ValidateName("board", board); !r) return tl::unexpected(r.error());
  Statement s = db_->Prepare(
      "INSERT INTO builds (model_id, board, builder, builder_image, status, cache_key, created_at) "
      "VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?6)");
  s.Bind(1, model_id).Bind(2, board).Bind(3, builder);
  if (builder_image.empty()) s.BindNull(4); else s.Bind(4, builder_image);
  s.Bind(5, cache_key).Bind(6, common::NowUtc()).Run();
  return GetBuild(db_->LastInsertId());
}

StoreResult<void> Store::SetBuildImageDigest(int64_t id, const std::string& digest) {
  std::lock_guard lock(mutex_);
  db_->Prepare("UPDATE builds SET image_digest = ?1 WHERE id = ?2").Bind(1, digest).Bind(2, id).Run();
  if (db_->Changes() == 0) return StoreFail(StoreErrorCode::kNotFound, "no build " + std::to_string(id));
  return {};
}

StoreResult<BuildRecord> Store::GetBuild(int64_t id) {
  std::lock_guard lock(mutex_);
  Statement s = db_->Prepare(std::string("SELECT ") + kBuildColumns + " FROM builds WHERE id = ?1");
  if (!s.Bind(1, id).Step()) return StoreFail(StoreErrorCode::kNotFound, "no build " + std::to_string(id));
  return ReadBuild(s);
}

std::vector<BuildRecord> Store::ListBuilds(const Page& page, const std::optional<BuildStatus>& status) {
  std::lock_guard lock(mutex_);
  Statement s = db_->Prepare(std::string("SELECT ") + kBuildColumns +
                             " FROM builds WHERE id > ?1 AND (?2 IS NULL OR status = ?2) ORDER BY id LIMIT ?3");
  s.Bind(1, page.after_id);
  if (status) s.Bind(2, std::string(BuildStatusName(*status))); else s.BindNull(2);
  s.Bind(3, page.limit);
  std::vector<BuildRecord> builds;
  while (s.Step()) builds.push_back(ReadBuild(s));
  return builds;
}

StoreResult<BuildRecord> Store::SetBuildStatus(int64_t id, BuildStatus to, const std::string& reason) {
  std::lock_guard lock(mutex_);
  return Transaction(*db_, [&]() -> StoreResult<BuildRecord> {
    auto build = GetBuild(id);
    if (!build) return tl::unexpected(build.error());
    if (!Allowed(build->status, to)) {
      return StoreFail(StoreErrorCode::kConflict, std::string("build ") + std::to_string(id) + " is " +
                                                      BuildStatusName(build->status) + ", it cannot become " +
                                                      BuildStatusName(to));
    }
    const bool finished = to != BuildStatus::kRunning;
    Statement s = db_->Prepare(
        "UPDATE builds SET status = ?1, reason = ?2, "
        "started_at = CASE WHEN ?1 = 'running' THEN ?3 ELSE started_at END, "
        "finished_at = CASE WHEN ?4 THEN ?3 ELSE finished_at END WHERE id = ?5");
    s.Bind(1, std::string(BuildStatusName(to)));
    if (reason.empty()) s.BindNull(2); else s.Bind(2, reason);
    s.Bind(3, common::NowUtc()).Bind(4, int64_t{finished}).Bind(5, id).Run();
    return GetBuild(id);
  });
}

std::optional<BuildRecord> Store::FindSucceededBuild(const std::string& cache_key) {
  std::lock_guard lock(mutex_);
  Statement s = db_->Prepare(std::string("SELECT ") + kBuildColumns +
                             " FROM builds WHERE cache_key = ?1 AND status = 'succeeded' ORDER BY id DESC LIMIT 1");
  if (!s.Bind(1, cache_key).Step()) return std::nullopt;
  return ReadBuild(s);
}

StoreResult<void> Store::AddArtifact(int64_t build_id, const std::string& name, const Blob& blob) {
  std::lock_guard lock(mutex_);
  if (auto r = ValidateName("artifact name", name); !r) return tl::unexpected(r.error());
  try {
    Statement s = db_->Prepare("INSERT INTO artifacts (build_id, name, blob_sha256, bytes) VALUES (?1, ?2, ?3, ?4)");
    s.Bind(1, build_id).Bind(2, name).Bind(3, blob.sha256).Bind(4, static_cast<int64_t>(blob.bytes)).Run();
  } catch (const DatabaseError& e) {
    if (e.constraint()) return StoreFail(StoreErrorCode::kConflict, "build " + std::to_string(build_id) + " has no room for artifact " + name);
    throw;
  }
  return {};
}

std::vector<ArtifactRecord> Store::ListArtifacts(int64_t build_id) {
  std::lock_guard lock(mutex_);
  Statement s = db_->Prepare("SELECT build_id, name, blob_sha256, bytes FROM artifacts WHERE build_id = ?1 ORDER BY name");
  s.Bind(1, build_id);
  std::vector<ArtifactRecord> artifacts;
  while (s.Step()) artifacts.push_back({s.Int(0), s.Text(1), s.Text(2), static_cast<uint64_t>(s.Int(3))});
  return artifacts;
}

}  // namespace tml::store
