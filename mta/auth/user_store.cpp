#include "mta/auth/user_store.hpp"

#include <algorithm>
#include <mutex>

#include <sqlite3.h>

#include "mta/auth/password_hash.hpp"

namespace mta::auth {
namespace {

std::string lowered(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : " ") + item;
  return out;
}

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

struct Statement {
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr); }
  ~Statement() { sqlite3_finalize(stmt); }
  sqlite3_stmt* stmt = nullptr;
};

std::string text_column(sqlite3_stmt* stmt, int column) {
  auto* text = sqlite3_column_text(stmt, column);
  return text ? reinterpret_cast<const char*>(text) : "";
}

}  // namespace

bool is_valid_user_name(std::string_view name) {
  return !name.empty() && name.size() <= 128 && std::all_of(name.begin(), name.end(), [](char c) {
    return static_cast<unsigned char>(c) > 32 && static_cast<unsigned char>(c) < 127;
  });
}

bool is_valid_sender_pattern(std::string_view pattern) {
  if (pattern == "*") return true;
  auto at = pattern.find('@');
  return at != std::string_view::npos && at + 1 < pattern.size() &&
         pattern.find('@', at + 1) == std::string_view::npos && pattern.find(' ') == std::string_view::npos;
}

bool sender_allowed(const User& user, std::string_view address) {
  std::string lower = lowered(address);
  auto at = lower.rfind('@');
  std::string domain = at == std::string::npos ? "" : lower.substr(at);
  for (const auto& pattern : user.allowed_senders) {
    std::string p = lowered(pattern);
    if (p == "*" || p == lower || (p.front() == '@' && p == domain)) return true;
  }
  return false;
}

bool from_domain_allowed(const User& user, std::string_view domain) {
  std::string d = lowered(domain);
  for (const auto& pattern : user.allowed_senders) {
    std::string p = lowered(pattern);
    if (p == "*" || p.substr(p.rfind('@') + 1) == d) return true;
  }
  return false;
}

std::unique_ptr<UserStore> UserStore::open(const std::filesystem::path& path, std::string& error) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    error = path.string() + ": " + (db ? sqlite3_errmsg(db) : "cannot open");
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, 5000);
  char* message = nullptr;
  if (sqlite3_exec(
          db,
          "CREATE TABLE IF NOT EXISTS auth_users (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, "
          "allowed_senders TEXT NOT NULL, created_at INTEGER NOT NULL DEFAULT (strftime('%s','now')))",
          nullptr, nullptr, &message) != SQLITE_OK) {
    error = path.string() + ": " + (message ? message : "cannot create table auth_users");
    sqlite3_free(message);
    sqlite3_close(db);
    return nullptr;
  }
  return std::unique_ptr<UserStore>(new UserStore(db));
}

UserStore::~UserStore() {
  sqlite3_close(db_);
}

bool UserStore::add(const User& user, const std::string& password_hash, bool replace, std::string& error) {
  Statement s(
      db_, replace ? "INSERT OR REPLACE INTO auth_users (name, password_hash, allowed_senders) VALUES (?,?,?)"
                   : "INSERT INTO auth_users (name, password_hash, allowed_senders) VALUES (?,?,?)");
  sqlite3_bind_text(s.stmt, 1, user.name.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s.stmt, 2, password_hash.c_str(), -1, SQLITE_TRANSIENT);
  std::string senders = join(user.allowed_senders);
  sqlite3_bind_text(s.stmt, 3, senders.c_str(), -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(s.stmt);
  if (rc == SQLITE_CONSTRAINT) {
    error = "user '" + user.name + "' already exists; remove it first or use --replace";
    return false;
  }
  if (rc != SQLITE_DONE) {
    error = sqlite3_errmsg(db_);
    return false;
  }
  return true;
}

bool UserStore::remove(std::string_view name, std::string& error) {
  Statement s(db_, "DELETE FROM auth_users WHERE name = ?");
  sqlite3_bind_text(s.stmt, 1, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
  if (sqlite3_step(s.stmt) != SQLITE_DONE) {
    error = sqlite3_errmsg(db_);
    return false;
  }
  if (sqlite3_changes(db_) == 0) {
    error = "no user '" + std::string(name) + "'";
    return false;
  }
  return true;
}

std::vector<User> UserStore::list(std::string& error) {
  std::vector<User> users;
  Statement s(db_, "SELECT name, allowed_senders FROM auth_users ORDER BY name");
  int rc;
  while ((rc = sqlite3_step(s.stmt)) == SQLITE_ROW)
    users.push_back({text_column(s.stmt, 0), split(text_column(s.stmt, 1))});
  if (rc != SQLITE_DONE) error = sqlite3_errmsg(db_);
  return users;
}

std::optional<User> UserStore::authenticate(std::string_view name, std::string_view password) {
  std::string hash;
  User user;
  {
    Statement s(db_, "SELECT name, password_hash, allowed_senders FROM auth_users WHERE name = ?");
    sqlite3_bind_text(s.stmt, 1, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(s.stmt) == SQLITE_ROW) {
      user = {text_column(s.stmt, 0), split(text_column(s.stmt, 2))};
      hash = text_column(s.stmt, 1);
    }
  }
  // An unknown user costs the same scrypt as a known one, so timing does not tell them apart.
  static const std::string kDummy = hash_password("relayctl-dummy");
  bool ok = verify_password(password, hash.empty() ? kDummy : hash);
  if (!ok || hash.empty()) return std::nullopt;
  return user;
}

}  // namespace mta::auth
