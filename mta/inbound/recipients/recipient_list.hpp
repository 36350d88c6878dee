// recipient_list.hpp — the valid recipients of the relay domains whose recipient source is `list`, kept in
// the [inbound] database (store/inbound_database.hpp) and managed by `relayctl recipients`.
// check() answers the RCPT stage: an exact address, then user+tag@domain as user@domain (sub-addressing,
// '+' only), then the domain's catch-all "*@domain"; no row → unknown; a database failure → unavailable
// (logged and counted, never thrown), so a broken database gives 451, never a wrong 550.
// Case: addresses are stored and compared with the local part lower-cased (ASCII). RFC 5321 §2.4 lets a
// local part be case-sensitive, but every real mailbox provider treats Jane@ and jane@ as one mailbox, and
// rejecting a sender's capitalisation would lose mail; a customer with case-distinct mailboxes is not known.
// Threads: every member may be called from any thread (one connection, calls serialized by a mutex).
// Untrusted input: check()'s recipient (an SMTP argument, already a syntactically valid mailbox) and the
// imported file (any bytes: each line is checked, bounded to kMaxLineLength octets).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/inbound/recipient_status.hpp"
#include "mta/store/database.hpp"

namespace mta::inbound {

inline constexpr std::size_t kMaxLineLength = 1024;  // octets of one line of an imported file
inline constexpr std::size_t kMaxReportedProblems = 20;

// The form an address is stored and looked up in: local part lower-cased (ASCII), domain canonical
// (lower-case, no trailing dot). Nothing when it is not local@domain with a valid domain.
std::optional<std::string> normalize_recipient(std::string_view address);

struct ImportProblem {
  std::size_t line = 0;  // 1-based
  std::string problem;   // what is wrong and what to do
};

struct ImportReport {
  std::size_t added = 0;
  std::size_t already_present = 0;
  std::size_t removed = 0;              // with replace: the domain's addresses not in the file
  std::vector<ImportProblem> problems;  // the first kMaxReportedProblems; any problem: nothing changed
  std::size_t problem_count = 0;
};

struct RecipientListCounters {
  std::atomic<std::uint64_t> valid{0};
  std::atomic<std::uint64_t> unknown{0};
  std::atomic<std::uint64_t> errors{0};  // database failures answered as unavailable
};

class RecipientList {
 public:
  // Takes a connection of its own to the inbound database (open_inbound_database()).
  explicit RecipientList(std::unique_ptr<store::Database> database);

  // domain: the relay domain, canonical; recipient: the RCPT address (its domain is domain's, any case).
  RecipientStatus check(std::string_view domain, std::string_view recipient);

  // Reads one address per line ("#" starts a comment, blank lines are skipped; "*@domain" is the
  // catch-all); every address must be at domain. All or nothing, in one transaction: any problem and the
  // database is unchanged. Addresses already listed stay (an import is idempotent); with replace, the
  // domain's addresses not in the file are removed. Throws store::StoreError when the database fails.
  ImportReport import(std::istream& in, std::string_view domain, bool replace);

  // The domain's addresses, sorted. Throws store::StoreError.
  std::vector<std::string> list(std::string_view domain);

  // Removes one address (normalized first); false when it was not listed. Throws store::StoreError.
  bool remove(std::string_view address);

  const RecipientListCounters& counters() const { return counters_; }

 private:
  RecipientStatus lookup(std::string_view domain, std::string_view recipient);

  std::unique_ptr<store::Database> database_;
  std::mutex mutex_;
  std::unique_ptr<store::Statement> lookup_;  // prepared once: the RCPT path
  RecipientListCounters counters_;
};

}  // namespace mta::inbound
