// The deployments and deployment_targets tables: what is being sent to which device, and how
// far each device got. The server's orchestrator (src/server/deployments.h) moves them along.
#include <openssl/rand.h>

#include "common/digest.h"
#include "common/utc_time.h"
#include "store/database.h"
#include "store/store.h"

namespace tml::store {
namespace {

constexpr const char* kDeploymentColumns =
    "id, build_id, kind, strategy, canary, delivery, status, reason, package_sha256, package_bytes, created_at, finished_at, "
    "pull_over";
constexpr const char* kTargetColumns =
    "deployment_id, endpoint, position, status, progress, result, detail, token, instance, updated_at";

DeploymentRecord ReadDeployment(const Statement& s) {
  DeploymentRecord d;
  d.id = s.Int(0);
  d.build_id = s.Int(1);
  d.kind = s.Text(2);
  d.strategy = s.Text(3);
  d.canary = s.Int(4);
  d.delivery = s.Text(5) == "pull" && s.Text(12) == "coap" ? "coap-pull" : s.Text(5);
  d.status = s.Text(6);
  d.reason = s.OptionalText(7).value_or("");
  d.package_sha256 = s.Text(8);
  d.package_bytes = static_cast<uint64_t>(s.Int(9));
  d.created_at = s.Text(10);
  d.finished_at = s.OptionalText(11).value_or("");
  return d;
}

DeploymentTarget ReadTarget(const Statement& s) {
  DeploymentTarget t;
  t.deployment_id = s.Int(0);
  t.endpoint = s.Text(1);
  t.position = s.Int(2);
  t.status = s.Text(3);
  t.progress = s.Int(4);
  if (auto r = s.OptionalText(5)) t.result = std::stoll(*r);
  t.detail = s.OptionalText(6).value_or("");
  t.token = s.Text(7);
  if (auto i = s.OptionalText(8)) t.instance = std::stoll(*i);
  t.updated_at = s.Text(9);
  return t;
}

}  // namespace

StoreResult<DeploymentRecord> Store::AddDeployment(const DeploymentRecord& d, const std::vector<std::string>& endpoints) {
  std::lock_guard lock(mutex_);
  const int64_t id = Transaction(*db_, [&] {
    const bool over_coap = d.delivery == "coap-pull";
    db_->Prepare("INSERT INTO deployments (build_id, kind, strategy, canary, delivery, status, package_sha256, package_bytes, "
                 "created_at, pull_over) VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7, ?8, ?9)")
        .Bind(1, d.build_id).Bind(2, d.kind).Bind(3, d.strategy).Bind(4, d.canary).Bind(5, over_coap ? "pull" : d.delivery)
        .Bind(6, d.package_sha256).Bind(7, static_cast<int64_t>(d.package_bytes)).Bind(8, common::NowUtc())
        .Bind(9, over_coap ? "coap" : "http").Run();
    const int64_t deployment = db_->LastInsertId();
    int64_t position = 0;
    for (const std::string& endpoint : endpoints) {
      unsigned char token[16];
      if (RAND_bytes(token, sizeof(token)) != 1) throw DatabaseError("no randomness for a download token", 0);
      db_->Prepare("INSERT INTO deployment_targets (deployment_id, endpoint, position, status, progress, token, updated_at) "
                   "VALUES (?1, ?2, ?3, 'pending', 0, ?4, ?5)")
          .Bind(1, deployment).Bind(2, endpoint).Bind(3, position++).Bind(4, common::ToHex(token, sizeof(token)))
          .Bind(5, common::NowUtc()).Run();
    }
    return deployment;
  });
  return GetDeployment(id);
}

StoreResult<DeploymentRecord> Store::GetDeployment(int64_t id) {
  std::lock_guard lock(mutex_);
  Statement s = db_->Prepare(std::string("SELECT ") + kDeploymentColumns + " FROM deployments WHERE id = ?1");
  if (!s.Bind(1, id).Step()) return StoreFail(StoreErrorCode::kNotFound, "no deployment " + std::to_string(id));
  return ReadDeployment(s);
}

std::vector<DeploymentRecord> Store::ListDeployments(const Page& page, const std::optional<std::string>& status) {
  std::lock_guard lock(mutex_);
  Statement s = db_->Prepare(std::string("SELECT ") + kDeploymentColumns +
                             " FROM deployments WHERE id > ?1 AND (?3 IS NULL OR status = ?3) ORDER BY id LIMIT ?2");
  s.Bind(1, page.after_id).Bind(2, page.limit);
  if (status) s.Bind(3, *status);
  else s.BindNull(3);
  std::vector<DeploymentRecord> out;
  while (s.Step()) out.push_back(ReadDeployment(s));
  return out;
}

StoreResult<void> Store::FinishDeployment(int64_t id, const std::string& status, const std::string& reason) {
  std::lock_guard lock(mutex_);
  db_->Prepare("UPDATE deployments SET status = ?2, reason = ?3, finished_at = ?4 WHERE id = ?1 AND status = 'running'")
      .Bind(1, id).Bind(2, status).Bind(3, reason).Bind(4, common::NowUtc()).Run();
  if (db_->Changes() == 0) return StoreFail(StoreErrorCode::kConflict, "deployment " + std::to_string(id) + " is not running");
  return {};
}

std::vector<DeploymentTarget> Store::ListTargets(int64_t deployment_id) {
  std::lock_guard lock(mutex_);
  Statement s = db_->Prepare(std::string("SELECT ") + kTargetColumns +
                             " FROM deployment_targets WHERE deployment_id = ?1 ORDER BY position");
  s.Bind(1, deployment_id);
  std::vector<DeploymentTarget> out;
  while (s.Step()) out.push_back(ReadTarget(s));
  return out;
}

std::optional<DeploymentTarget> Store::FindTargetByToken(const std::string& token) {
  std::lock_guard lock(mutex_);
  Statement s = db_->Prepare(std::string("SELECT ") + kTargetColumns + " FROM deployment_targets WHERE token = ?1");
  if (!s.Bind(1, token).Step()) return std::nullopt;
  return ReadTarget(s);
}

void Store::UpdateTarget(const DeploymentTarget& t) {
  std::lock_guard lock(mutex_);
  Statement s = db_->Prepare(
      "UPDATE deployment_targets SET status = ?3, progress = ?4, result = ?5, detail = ?6, instance = ?7, updated_at = ?8 "
      "WHERE deployment_id = ?1 AND endpoint = ?2");
  s.Bind(1, t.deployment_id).Bind(2, t.endpoint).Bind(3, t.status).Bind(4, t.progress);
  if (t.result) s.Bind(5, *t.result);
  else s.BindNull(5);
  s.Bind(6, t.detail);
  if (t.instance) s.Bind(7, *t.instance);
  else s.BindNull(7);
  s.Bind(8, common::NowUtc()).Run();
}

}  // namespace tml::store
