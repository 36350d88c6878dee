// users_command.cpp — `relayctl users add|remove|list`: the SMTP AUTH users in the [campaigns] database.
#include <iostream>
#include <termios.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "cli/common.hpp"
#include "cli/exit_code.hpp"
#include "cli/registry.hpp"
#include "mta/auth/password_hash.hpp"
#include "mta/auth/user_store.hpp"

namespace cli {
namespace {

struct Options {
  std::string config;
  std::string name;
  std::vector<std::string> allow;
  bool password_stdin = false;
  bool replace = false;
  bool json = false;
};

std::optional<std::string> read_password(bool from_stdin) {
  std::string password;
  if (!from_stdin && ::isatty(STDIN_FILENO)) {
    std::cerr << "Password: " << std::flush;
    termios old{};
    ::tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::getline(std::cin, password);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
  } else {
    std::getline(std::cin, password);
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) return std::nullopt;
  return password;
}

std::unique_ptr<mta::auth::UserStore> open_store(const std::string& config_path) {
  auto loaded = load_config(config_path);
  if (!loaded) return nullptr;
  std::string error;
  auto store = mta::auth::UserStore::open(loaded->config.campaigns.database, error);
  if (!store) print_error("cannot open the user database: " + error + "; check [campaigns] database");
  return store;
}

void add_users_command(CLI::App& app, Cli& cli) {
  auto* users = app.add_subcommand("users", "Manage SMTP AUTH users (stored in the [campaigns] database)");
  users->require_subcommand(1);
  auto options = std::make_shared<Options>();

  auto* add =
      users->add_subcommand("add",
                            "Add a user who may submit mail with SMTP AUTH. The password is read from the "
                            "terminal, or from the first "
                            "line of stdin with --password-stdin, and stored as a salted scrypt hash.");
  add_config_option(*add, options->config);
  add->add_option("NAME", options->name, "User name (the AUTH user name)")->required();
  add->add_option(
         "--allow", options->allow,
         "Envelope sender and From: address the user may use: ADDRESS, @DOMAIN for a whole domain, or * "
         "for any. Repeatable; at least one.")
      ->required()
      ->type_name("PATTERN");
  add->add_flag("--password-stdin", options->password_stdin, "Read the password from stdin (first line)");
  add->add_flag("--replace", options->replace, "Replace the user if it exists (new password and senders)");
  add->callback([&cli, options] {
    cli.action = [options] {
      if (!mta::auth::is_valid_user_name(options->name)) {
        print_error("'" + options->name +
                    "' is not a valid user name: use 1-128 printable characters without spaces");
        return kUsage;
      }
      for (const auto& pattern : options->allow)
        if (!mta::auth::is_valid_sender_pattern(pattern)) {
          print_error("--allow '" + pattern + "': expected user@domain, @domain or *");
          return kUsage;
        }
      auto store = open_store(options->config);
      if (!store) return kUsage;
      auto password = read_password(options->password_stdin);
      if (!password) {
        print_error("no password given; type it, or pipe it with --password-stdin");
        return kUsage;
      }
      std::string error;
      if (!store->add({options->name, options->allow}, mta::auth::hash_password(*password), options->replace,
                      error)) {
        print_error(error);
        return kCheckFailed;
      }
      std::cerr << "relayctl: user " << options->name << " added\n";
      return kOk;
    };
  });

  auto* remove = users->add_subcommand("remove", "Remove a user; exit 1 when there is no such user");
  add_config_option(*remove, options->config);
  remove->add_option("NAME", options->name, "User name")->required();
  remove->callback([&cli, options] {
    cli.action = [options] {
      auto store = open_store(options->config);
      if (!store) return kUsage;
      std::string error;
      if (!store->remove(options->name, error)) {
        print_error(error);
        return kCheckFailed;
      }
      std::cerr << "relayctl: user " << options->name << " removed\n";
      return kOk;
    };
  });

  auto* list = users->add_subcommand("list", "List users and the senders each may use");
  add_config_option(*list, options->config);
  list->add_flag("--json", options->json, "Print one JSON array of {name, allowed_senders}");
  list->callback([&cli, options] {
    cli.action = [options] {
      auto store = open_store(options->config);
      if (!store) return kUsage;
      std::string error;
      auto all = store->list(error);
      if (!error.empty()) {
        print_error(error);
        return kUsage;
      }
      if (options->json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& u : all)
          out.push_back({{"name", u.name}, {"allowed_senders", u.allowed_senders}});
        std::cout << out.dump(2) << "\n";
      } else {
        for (const auto& u : all) {
          std::cout << u.name;
          for (const auto& s : u.allowed_senders)
            std::cout << " " << s;
          std::cout << "\n";
        }
      }
      return kOk;
    };
  });
}

const Registration kRegistration{60, add_users_command};

}  // namespace
}  // namespace cli
