#pragma once
// A thin RAII layer over the SQLite C API: one connection, prepared statements with typed
// binds and columns. SQL errors are programming or environment errors and throw
// DatabaseError; expected outcomes (not found, conflicts) are decided by the store.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tml::store {

class DatabaseError : public std::runtime_error {
 public:
  DatabaseError(const std::string& what, int code) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }
  /// A UNIQUE or foreign-key constraint failed.
  bool constraint() const { return (code_ & 0xFF) == SQLITE_CONSTRAINT; }

 private:
  int code_;
};

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, const std::string& value);
  Statement& BindNull(int index);
  /// Next row: true if there is one.
  bool Step();
  /// Runs to completion (for INSERT/UPDATE/DELETE).
  void Run();

  int64_t Int(int column) const;
  std::string Text(int column) const;
  std::optional<std::string> OptionalText(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class Database {
 public:
  /// Opens (creating) `path` in WAL mode with foreign keys on and a busy timeout.
  explicit Database(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void Exec(std::string_view sql);
  Statement Prepare(std::string_view sql) { return Statement(db_, sql); }
  int64_t LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
  int64_t Changes() const { return sqlite3_changes(db_); }
  /// The schema version (PRAGMA user_version).
  int64_t SchemaVersion();

 private:
  sqlite3* db_ = nullptr;
};

/// Runs `body` in a transaction (BEGIN IMMEDIATE), rolling back if it throws.
template <typename Fn>
auto Transaction(Database& db, Fn body) {
  db.Exec("BEGIN IMMEDIATE");
  try {
    if constexpr (std::is_void_v<decltype(body())>) {
      body();
      db.Exec("COMMIT");
    } else {
      auto result = body();
      db.Exec("COMMIT");
      return result;
    }
  } catch (...) {
    db.Exec("ROLLBACK");
    throw;
  }
}

}  // namespace tml::store
