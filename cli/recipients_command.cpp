// recipients_command.cpp — `relayctl recipients import|list|remove`: the valid recipients of relay domains
// whose recipient source is `list`, in the [inbound] database (mta/inbound/recipients/recipient_list.hpp).
// Errors: a bad --domain or address exits 2; an import file with bad lines exits 2 naming each as FILE:LINE
// (nothing is imported); `remove` of an address not listed exits 1; a database locked past the busy
// timeout exits 3. Untrusted input: the command line and the imported file.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/common.hpp"
#include "cli/exit_code.hpp"
#include "cli/registry.hpp"
#include "dns/name.hpp"
#include "mta/inbound/recipients/recipient_list.hpp"
#include "mta/inbound/store/inbound_database.hpp"

namespace cli {
namespace {

using mta::inbound::RecipientList;

struct Options {
  std::string config;
  std::string domain;
  std::string file;
  std::vector<std::string> addresses;
  bool replace = false;
  bool json = false;
};

struct Context {
  LoadedConfig loaded;
  std::unique_ptr<RecipientList> list;
};

std::optional<Context> open_list(const std::string& config_path) {
  auto loaded = load_config(config_path);
  if (!loaded) return std::nullopt;
  auto opened = mta::inbound::open_inbound_database(loaded->config.inbound.database);
  if (!opened.database) {
    print_error("cannot open the inbound database: " + opened.error + " (" + loaded->source +
                ": [inbound] database)");
    return std::nullopt;
  }
  return Context{std::move(*loaded), std::make_unique<RecipientList>(std::move(opened.database))};
}

// Runs action with the list open; database failures become exit codes (3 when it was only busy).
std::function<int()> with_list(std::shared_ptr<Options> options, std::function<int(Context&)> action) {
  return [options, action = std::move(action)] {
    auto context = open_list(options->config);
    if (!context) return int{kUsage};
    try {
      return action(*context);
    } catch (const mta::store::StoreError& error) {
      return report_store_error(error);
    }
  };
}

// --domain as canonical, or nothing (the error printed).
std::optional<std::string> domain_option(const std::string& text) {
  std::string domain = dns::canonical_name(text);
  if (!dns::is_valid_hostname(domain)) {
    print_error("--domain '" + text + "' is not a domain name; give a relay domain such as example.com");
    return std::nullopt;
  }
  return domain;
}

// A list only answers RCPT for a relay domain whose recipient source is `list`: say so, but do the work.
void warn_unless_listed(const Context& context, const std::string& domain) {
  const auto* policy = context.loaded.config.inbound.domain(domain);
  if (!policy)
    std::cerr << "relayctl: warning: " << domain << " is not a relay domain in " << context.loaded.source
              << "; its list is kept but not used until it is one, with recipients = \"list\"\n";
  else if (policy->recipients != mta::config::RecipientSource::list)
    std::cerr << "relayctl: warning: " << domain << " has recipients = \""
              << mta::config::to_string(policy->recipients) << "\" in " << context.loaded.source
              << "; its list is used only with recipients = \"list\"\n";
}

int run_import(const Options& options, Context& context) {
  auto domain = domain_option(options.domain);
  if (!domain) return kUsage;
  std::ifstream file;
  bool from_stdin = options.file == "-";
  if (!from_stdin && !open_input_file(options.file, file, "a file of addresses, one a line")) return kUsage;
  std::string name = from_stdin ? "stdin" : options.file;
  warn_unless_listed(context, *domain);
  auto report = context.list->import(from_stdin ? std::cin : file, *domain, options.replace);
  if (report.problem_count > 0) {
    for (const auto& problem : report.problems)
      std::cerr << "relayctl: " << name << ":" << problem.line << ": " << problem.problem << "\n";
    if (report.problem_count > report.problems.size())
      std::cerr << "relayctl: ... and " << report.problem_count - report.problems.size()
                << " more bad lines\n";
    print_error(name + " has " + std::to_string(report.problem_count) +
                " bad line(s); nothing was imported: correct them and import the file again");
    return kUsage;
  }
  std::cout << *domain << ": added " << report.added << ", already present " << report.already_present;
  if (options.replace) std::cout << ", removed " << report.removed;
  std::cout << "\n";
  return kOk;
}

int run_list(const Options& options, Context& context) {
  auto domain = domain_option(options.domain);
  if (!domain) return kUsage;
  auto addresses = context.list->list(*domain);
  if (options.json) {
    std::cout << nlohmann::json(addresses).dump(2) << "\n";
    return kOk;
  }
  for (const auto& address : addresses)
    std::cout << address << "\n";
  return kOk;
}

int run_remove(const Options& options, Context& context) {
  for (const auto& address : options.addresses) {
    bool catch_all =
        address.starts_with("*@") && dns::is_valid_hostname(dns::canonical_name(address.substr(2)));
    if (!catch_all && !mta::inbound::normalize_recipient(address)) {
      print_error("'" + address + "' is not an address (local-part@domain or *@domain); nothing was removed");
      return kUsage;
    }
  }
  int code = kOk;
  for (const auto& address : options.addresses) {
    if (context.list->remove(address)) {
      std::cout << "removed " << address << "\n";
    } else {
      print_error(address + " is not on a recipient list (see `relayctl recipients list --domain DOMAIN`)");
      code = kCheckFailed;
    }
  }
  return code;
}

void add_recipients_command(CLI::App& app, Cli& cli) {
  auto* recipients = app.add_subcommand(
      "recipients",
      "Manage the valid recipients of relay domains with recipients = \"list\" (in the [inbound] database); "
      "mail to other addresses at such a domain is refused at RCPT (550 5.1.1)");
  recipients->require_subcommand(1);
  recipients->footer(
      "Addresses match with the local part's case ignored (Jane@ is jane@), user+tag@domain matches a\n"
      "listed user@domain, and *@domain (the catch-all) accepts every address at the domain.\n"
      "Exit 0 when done, 1 when `remove` was given an address not listed, 2 for a bad argument, file or\n"
      "database, 3 when another process held the database past the busy timeout (try again).");
  auto options = std::make_shared<Options>();
  const std::string domain_help = "The relay domain (example.com)";

  auto* import_command = recipients->add_subcommand(
      "import",
      "Add the addresses of a file to a domain's list; prints how many were added and already there");
  import_command->footer(
      "One address per line; blank lines are skipped and # starts a comment (at the start of a line or\n"
      "after a blank). Every address must be at --domain; *@DOMAIN is the catch-all. Importing the same\n"
      "file again changes nothing. All or nothing: a bad line is reported as FILE:LINE with what to do,\n"
      "and then nothing is imported (exit 2). With --replace the domain's list becomes exactly the file's\n"
      "addresses, in one transaction (the RCPT check sees the old list or the new one, never half).");
  add_config_option(*import_command, options->config);
  import_command->add_option("FILE", options->file, "The file of addresses, or - for stdin")->required();
  import_command->add_option("--domain", options->domain, domain_help)->required()->type_name("DOMAIN");
  import_command->add_flag("--replace", options->replace,
                           "Remove the domain's addresses that are not in the file");
  import_command->callback([&cli, options] {
    cli.action = with_list(options, [options](Context& context) { return run_import(*options, context); });
  });

  auto* list_command =
      recipients->add_subcommand("list", "Print a domain's addresses, sorted, one a line (lower-cased)");
  add_config_option(*list_command, options->config);
  list_command->add_option("--domain", options->domain, domain_help)->required()->type_name("DOMAIN");
  list_command->add_flag("--json", options->json, "Print one JSON array of addresses");
  list_command->callback([&cli, options] {
    cli.action = with_list(options, [options](Context& context) { return run_list(*options, context); });
  });

  auto* remove_command = recipients->add_subcommand(
      "remove",
      "Take addresses off their domain's list (the domain is the address's); exit 1 if one was not on it");
  add_config_option(*remove_command, options->config);
  remove_command->add_option("ADDRESS", options->addresses, "An address, or *@DOMAIN for the catch-all")
      ->required();
  remove_command->callback([&cli, options] {
    cli.action = with_list(options, [options](Context& context) { return run_remove(*options, context); });
  });
}

const Registration kRegistration{52, add_recipients_command};

}  // namespace
}  // namespace cli
