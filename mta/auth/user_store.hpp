// user_store.hpp — AUTH users in SQLite (the [campaigns] database, table auth_users): name, scrypt
// password hash, and the envelope senders / From domains each may use ("alice@example.com", "@example.com"
// for a whole domain, "*" for any). Errors: std::error_code-free string messages for the CLI (SQLite's
// text plus the path); authenticate() answers nothing for unknown users and wrong passwords alike.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace mta::auth {

struct User {
  std::string name;
  std::vector<std::string> allowed_senders;
};

bool is_valid_user_name(std::string_view name);
bool is_valid_sender_pattern(std::string_view pattern);
// Is this envelope sender (or, with domain_only, this From: domain) allowed for the user?
bool sender_allowed(const User& user, std::string_view address);
bool from_domain_allowed(const User& user, std::string_view domain);

class UserStore {
 public:
  // Opens (creating when absent) the database. Returns nothing and sets error on failure.
  static std::unique_ptr<UserStore> open(const std::filesystem::path& path, std::string& error);
  ~UserStore();

  // add: false with error when the name exists (unless replace) or on database errors.
  bool add(const User& user, const std::string& password_hash, bool replace, std::string& error);
  bool remove(std::string_view name, std::string& error);  // false when no such user
  std::vector<User> list(std::string& error);
  // The user when the password matches (scrypt: call off the I/O threads).
  std::optional<User> authenticate(std::string_view name, std::string_view password);

 private:
  explicit UserStore(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace mta::auth
