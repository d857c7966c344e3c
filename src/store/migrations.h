#pragma once
// The schema, as an ordered list of migrations. Migration i brings the schema from version i
// to i + 1; applied ones are never edited, new ones are appended.

#include "store/database.h"

namespace tml::store {

/// Applies every migration the database has not seen yet, each in its own transaction.
/// Returns the schema version afterwards.
int64_t Migrate(Database& db);
/// The version a fully migrated database has.
int64_t LatestSchemaVersion();

}  // namespace tml::store
