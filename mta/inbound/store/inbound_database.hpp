// inbound_database.hpp — the [inbound] database (default /var/lib/relayctl/inbound.db): the relay domains'
// recipient lists (recipients/recipient_list.hpp) and the greylist (greylist/greylist.hpp), one SQLite file
// in WAL mode brought to the latest schema below when opened (mta/store/database.hpp does the SQLite work).
// Each user (the RCPT check, the greylist, `relayctl recipients`) opens its own connection, so one's
// transaction never mixes with another's; processes share the file through SQLite's locking.
// Errors: open() returns a message naming the file (unusable, not a database, from a newer relayctl).
// Untrusted input: none here.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "mta/store/database.hpp"

namespace mta::inbound {

// Migration 1: recipients and greylist tables (see inbound_database.cpp for their columns).
const store::Schema& inbound_schema();

struct OpenedDatabase {
  std::unique_ptr<store::Database> database;
  std::string error;  // when database is null
};

// Opens (creating it and its directory when absent) and migrates the inbound database. Commits are
// synchronous=NORMAL: in WAL mode a power cut may lose the last greylist updates, never corrupt the file.
OpenedDatabase open_inbound_database(const std::filesystem::path& path);

}  // namespace mta::inbound
