// The builders table: registered builder images and the board defaults.
#include <nlohmann/json.hpp>

#include "common/utc_time.h"
#include "store/database.h"
#include "store/store.h"

namespace tml::store {
namespace {

constexpr const char* kBuilderColumns = "id, name, image, boards_json, contract_version, is_default, created_at";

BuilderRecord ReadBuilder(const Statement& s) {
  BuilderRecord b;
  b.id = s.Int(0);
  b.name = s.Text(1);
  b.image = s.Text(2);
  const auto boards = nlohmann::json::parse(s.Text(3), nullptr, false);
  if (boards.is_array()) {
    for (const auto& board : boards) {
      if (board.is_string()) b.boards.push_back(board.get<std::string>());
    }
  }
  b.contract_version = s.Int(4);
  b.is_default = s.Int(5) != 0;
  b.created_at = s.Text(6);
  return b;
}

}  // namespace

StoreResult<BuilderRecord> Store::AddBuilder(const BuilderRecord& builder) {
  std::lock_guard lock(mutex_);
  if (auto r = ValidateName("builder name", builder.name); !r) return tl::unexpected(r.error());
  if (builder.boards.empty()) return StoreFail(StoreErrorCode::kInvalid, "a builder serves at least one board");
  for (const std::string& board : builder.boards) {
    if (auto r = ValidateName("board", board); !r) return tl::unexpected(r.error());
  }
  try {
    Statement s = db_->Prepare(
        "INSERT INTO builders (name, image, boards_json, contract_version, is_default, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.Bind(1, builder.name).Bind(2, builder.image).Bind(3, nlohmann::json(builder.boards).dump());
    s.Bind(4, builder.contract_version).Bind(5, int64_t{builder.is_default}).Bind(6, common::NowUtc()).Run();
  } catch (const DatabaseError& e) {
    if (e.constraint()) return StoreFail(StoreErrorCode::kConflict, "a builder named " + builder.name + " exists");
    throw;
  }
  return GetBuilder(builder.name);
}

StoreResult<BuilderRecord> Store::GetBuilder(const std::string& name) {
  std::lock_guard lock(mutex_);
  Statement s = db_->Prepare(std::string("SELECT ") + kBuilderColumns + " FROM builders WHERE name = ?1");
  if (!s.Bind(1, name).Step()) return StoreFail(StoreErrorCode::kNotFound, "no builder " + name);
  return ReadBuilder(s);
}

std::vector<BuilderRecord> Store::ListBuilders() {
  std::lock_guard lock(mutex_);
  Statement s = db_->Prepare(std::string("SELECT ") + kBuilderColumns + " FROM builders ORDER BY id");
  std::vector<BuilderRecord> builders;
  while (s.Step()) builders.push_back(ReadBuilder(s));
  return builders;
}

StoreResult<void> Store::DeleteBuilder(const std::string& name) {
  std::lock_guard lock(mutex_);
  db_->Prepare("DELETE FROM builders WHERE name = ?1").Bind(1, name).Run();
  if (db_->Changes() == 0) return StoreFail(StoreErrorCode::kNotFound, "no builder " + name);
  return {};
}

std::optional<BuilderRecord> Store::DefaultBuilderFor(const std::string& board) {
  std::lock_guard lock(mutex_);
  Statement s = db_->Prepare(std::string("SELECT ") + kBuilderColumns +
                             " FROM builders WHERE is_default = 1 AND EXISTS "
                             "(SELECT 1 FROM json_each(boards_json) WHERE value = ?1) ORDER BY id DESC LIMIT 1");
  if (!s.Bind(1, board).Step()) return std::nullopt;
  return ReadBuilder(s);
}

}  // namespace tml::store
