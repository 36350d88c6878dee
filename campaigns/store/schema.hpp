// schema.hpp — the campaigns database's schema as numbered migrations: migration N takes a database from
// schema version N-1 to N (PRAGMA user_version), and Database::open applies the missing ones in one
// transaction. A released migration never changes; a new table or column is a new migration.
// No untrusted input: the SQL here is ours.
#pragma once

#include <span>

#include "mta/store/database.hpp"

namespace campaigns {

using mta::store::Migration;

std::span<const Migration> migrations();  // in order, versions 1, 2, ...
int latest_schema_version();

}  // namespace campaigns
