#include "store/migrations.h"

#include <string>

namespace tml::store {
namespace {

constexpr const char* kMigrations[] = {
    // 1: models, tokens, builds, artifacts.
    R"sql(
CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  blob_sha256 TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  facts_json TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (name, version)
);
CREATE TABLE tokens (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  secret_sha256 TEXT NOT NULL UNIQUE,
  read_only INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE builds (
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models (id),
  board TEXT NOT NULL,
  builder TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'canceled')),
  reason TEXT,
  cache_key TEXT NOT NULL,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
);
CREATE INDEX builds_by_status ON builds (status);
CREATE INDEX builds_by_cache_key ON builds (cache_key, status);
CREATE TABLE artifacts (
  build_id INTEGER NOT NULL REFERENCES builds (id),
  name TEXT NOT NULL,
  blob_sha256 TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  PRIMARY KEY (build_id, name)
);
)sql",
    // 2: builder images (issue 6) and what each build ran.
    R"sql(
CREATE TABLE builders (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  image TEXT NOT NULL,
  boards_json TEXT NOT NULL,
  contract_version INTEGER NOT NULL,
  is_default INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
ALTER TABLE builds ADD COLUMN builder_image TEXT;
ALTER TABLE builds ADD COLUMN image_digest TEXT;
)sql",
    // 3: devices provisioned for LwM2M (issue 7): the endpoint name and its DTLS PSK.
    R"sql(
CREATE TABLE devices (
  id INTEGER PRIMARY KEY,
  endpoint TEXT NOT NULL UNIQUE,
  psk_identity TEXT NOT NULL UNIQUE,
  psk_key_hex TEXT NOT NULL,
  tags_json TEXT NOT NULL,
  created_at TEXT NOT NULL
);
)sql",
    // 4: deployments of a build to devices (issue 7), and each device's part in one.
    R"sql(
CREATE TABLE deployments (
  id INTEGER PRIMARY KEY,
  build_id INTEGER NOT NULL REFERENCES builds (id),
  kind TEXT NOT NULL CHECK (kind IN ('fota', 'sota')),
  strategy TEXT NOT NULL CHECK (strategy IN ('all', 'canary')),
  canary INTEGER NOT NULL,
  delivery TEXT NOT NULL CHECK (delivery IN ('pull', 'push')),
  status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'canceled')),
  reason TEXT,
  package_sha256 TEXT NOT NULL,
  package_bytes INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE INDEX deployments_by_status ON deployments (status);
CREATE TABLE deployment_targets (
  deployment_id INTEGER NOT NULL REFERENCES deployments (id),
  endpoint TEXT NOT NULL,
  position INTEGER NOT NULL,
  status TEXT NOT NULL,
  progress INTEGER NOT NULL,
  result INTEGER,
  detail TEXT,
  token TEXT NOT NULL UNIQUE,
  instance INTEGER,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (deployment_id, endpoint)
);
)sql",
    // 5: a pull may name a coap(s):// Package URI (delivery coap-pull); SQLite cannot widen
    // the CHECK of `delivery`, so the protocol of a pull is its own column.
    R"sql(
ALTER TABLE deployments ADD COLUMN pull_over TEXT NOT NULL DEFAULT 'http' CHECK (pull_over IN ('http', 'coap'));
)sql",
};

}  // namespace

int64_t LatestSchemaVersion() { return static_cast<int64_t>(sizeof(kMigrations) / sizeof(kMigrations[0])); }

int64_t Migrate(Database& db) {
  for (int64_t version = db.SchemaVersion(); version < LatestSchemaVersion(); ++version) {
    Transaction(db, [&] {
      db.Exec(kMigrations[version]);
      db.Exec("PRAGMA user_version = " + std::to_string(version + 1));
    });
  }
  return db.SchemaVersion();
}

}  // namespace tml::store
