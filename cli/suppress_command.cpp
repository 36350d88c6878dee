// suppress_command.cpp — `relayctl suppress add|remove|list|import|export`: the suppression list in the
// [campaigns] database (campaigns/suppression/sqlite_suppression_store.hpp), CSV import and export.
// Errors: bad addresses, reasons and files exit 2 naming what to fix (nothing is changed); `remove` of an
// entry that is not there and `import` with skipped rows exit 1; a database locked past the busy timeout
// exits 3. Untrusted input: the command line and the imported CSV file.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "campaigns/store/database.hpp"
#include "campaigns/suppression/sqlite_suppression_store.hpp"
#include "campaigns/suppression/suppression_csv.hpp"
#include "campaigns/formats/timestamp.hpp"
#include "cli/common.hpp"
#include "cli/exit_code.hpp"
#include "cli/registry.hpp"

namespace cli {
namespace {

using campaigns::Reason;

constexpr const char* kTargetHelp =
    "An address (jane@example.com; the domain's case is ignored, the local part's is kept) or @DOMAIN "
    "for every address at that domain (not its subdomains)";

struct Options {
  std::string config;
  std::vector<std::string> targets;
  std::string reason;
  std::string source;
  std::string file;
  std::size_t limit = 0;
  bool json = false;
};

struct Store {
  std::unique_ptr<campaigns::Database> database;
  std::unique_ptr<campaigns::SqliteSuppressionStore> suppression;
};

std::optional<Store> open_store(const std::string& config_path) {
  auto loaded = load_config(config_path);
  if (!loaded) return std::nullopt;
  auto opened = campaigns::Database::open(loaded->config.campaigns.database);
  if (!opened.database) {
    print_error("cannot open the campaigns database: " + opened.error + " (" + loaded->source +
                ": [campaigns] database)");
    return std::nullopt;
  }
  auto store = std::make_unique<campaigns::SqliteSuppressionStore>(*opened.database);
  return Store{std::move(opened.database), std::move(store)};
}

// Runs action with the store open; database failures become exit codes (3 when it was only busy).
std::function<int()> with_store(std::shared_ptr<Options> options, std::function<int(Store&)> action) {
  return [options, action = std::move(action)] {
    auto store = open_store(options->config);
    if (!store) return int{kUsage};
    try {
      return action(*store);
    } catch (const campaigns::StoreError& error) {
      return report_store_error(error);
    }
  };
}

std::optional<Reason> reason_option(const std::string& text, Reason fallback) {
  if (text.empty()) return fallback;
  auto reason = campaigns::parse_reason(text);
  if (!reason)
    print_error("--reason '" + text + "' is not a reason; use one of " +
                std::string(campaigns::kReasonNames));
  return reason;
}

// Every argument parsed, or nothing (after naming each bad one).
std::optional<std::vector<campaigns::SuppressionTarget>> parse_targets(
    const std::vector<std::string>& texts) {
  std::vector<campaigns::SuppressionTarget> targets;
  bool ok = true;
  for (const auto& text : texts) {
    auto parsed = campaigns::SuppressionTarget::parse(text);
    if (parsed.target) {
      targets.push_back(*parsed.target);
    } else {
      print_error("'" + text + "' is not an address or @domain: " + parsed.problem);
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return targets;
}

std::chrono::sys_seconds now() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

nlohmann::json to_json(const campaigns::Suppression& entry) {
  return {{"address", entry.target.str()},
          {"reason", campaigns::to_string(entry.reason)},
          {"source", entry.source},
          {"time", campaigns::format_timestamp(entry.time)}};
}

int run_add(const Options& options, Store& store) {
  auto reason = reason_option(options.reason, Reason::manual);
  auto targets = parse_targets(options.targets);
  if (!reason || !targets) return kUsage;
  if (!campaigns::is_valid_source(options.source)) {
    print_error("--source must be at most " + std::to_string(campaigns::kMaxSourceLength) +
                " octets without control characters");
    return kUsage;
  }
  std::vector<campaigns::Suppression> entries;
  for (const auto& target : *targets)
    entries.push_back({target, *reason, options.source.empty() ? "cli" : options.source, now()});
  auto outcomes = store.suppression->add_all(entries);
  for (std::size_t i = 0; i < entries.size(); ++i)
    std::cout << (outcomes[i] == campaigns::AddOutcome::added ? "added " : "already present ")
              << entries[i].target.str() << "\n";
  return kOk;
}

int run_remove(const Options& options, Store& store) {
  auto targets = parse_targets(options.targets);
  if (!targets) return kUsage;
  int code = kOk;
  for (const auto& target : *targets) {
    if (store.suppression->remove(target)) {
      std::cout << "removed " << target.str() << "\n";
    } else {
      print_error(target.str() + " is not on the suppression list");
      code = kCheckFailed;
    }
  }
  return code;
}

int run_list(const Options& options, Store& store) {
  campaigns::SuppressionFilter filter;
  if (!options.reason.empty()) {
    filter.reason = reason_option(options.reason, Reason::manual);
    if (!filter.reason) return kUsage;
  }
  if (options.limit > 0) filter.limit = options.limit;
  auto entries = store.suppression->list(filter);
  if (options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& entry : entries)
      out.push_back(to_json(entry));
    std::cout << out.dump(2) << "\n";
    return kOk;
  }
  std::size_t width = 0;
  for (const auto& entry : entries)
    width = std::max(width, entry.target.str().size());
  for (const auto& entry : entries)
    std::cout << std::left << std::setw(static_cast<int>(width)) << entry.target.str() << "  "
              << std::setw(11) << campaigns::to_string(entry.reason) << "  "
              << campaigns::format_timestamp(entry.time) << "  " << entry.source << "\n";
  return kOk;
}

int run_import(const Options& options, Store& store) {
  auto reason = reason_option(options.reason, Reason::import);
  if (!reason) return kUsage;
  std::ifstream file;
  bool from_stdin = options.file == "-";
  if (!from_stdin && !open_input_file(options.file, file, "a CSV file")) return kUsage;
  std::istream& in = from_stdin ? std::cin : file;
  std::string name = from_stdin ? "stdin" : options.file;
  campaigns::ImportDefaults defaults{*reason, options.source.empty() ? "import:" + name : options.source,
                                     now()};
  if (!campaigns::is_valid_source(defaults.source)) {
    print_error("--source must be at most " + std::to_string(campaigns::kMaxSourceLength) +
                " octets without control characters");
    return kUsage;
  }
  auto report = campaigns::import_suppressions(in, *store.suppression, defaults);
  for (const auto& warning : report.warnings)
    std::cerr << "relayctl: warning: " << name << ": " << warning << "\n";
  if (!report.fatal.empty()) {
    print_error(name + ": " + report.fatal + "; nothing was imported");
    return kUsage;
  }
  if (in.bad()) {
    print_error("reading " + name + " failed part-way; the rows before were imported, run the import again");
    return kUsage;
  }
  for (const auto& problem : report.problems)
    std::cerr << "relayctl: " << name << ":" << problem.line << ": skipped: " << problem.problem << "\n";
  if (report.skipped > report.problems.size())
    std::cerr << "relayctl: ... and " << report.skipped - report.problems.size() << " more skipped rows\n";
  std::cout << "added " << report.added << ", already present " << report.already_present << ", skipped "
            << report.skipped << "\n";
  if (report.skipped > 0) {
    std::cerr << "relayctl: fix the skipped rows and import the file again (rows already present are kept)\n";
    return kCheckFailed;
  }
  return kOk;
}

int run_export(const Options& options, Store& store) {
  if (options.file.empty() || options.file == "-") {
    campaigns::export_suppressions(*store.suppression, std::cout);
    return kOk;
  }
  // Written beside the target and renamed over it, so a reader never sees half a file.
  std::filesystem::path target = options.file;
  if (!write_file_atomically(target, [&store](std::ostream& out) {
        campaigns::export_suppressions(*store.suppression, out);
      }))
    return kUsage;
  std::cerr << "relayctl: suppression list written to " << target.string() << "\n";
  return kOk;
}

void add_suppress_command(CLI::App& app, Cli& cli) {
  auto* suppress = app.add_subcommand(
      "suppress",
      "Manage the suppression list: addresses and domains campaigns never mail (in the [campaigns] "
      "database)");
  suppress->require_subcommand(1);
  auto options = std::make_shared<Options>();
  auto reason_help = "one of " + std::string(campaigns::kReasonNames);

  auto* add = suppress->add_subcommand(
      "add",
      "Suppress addresses or whole domains. An entry already there keeps its reason, source and time.");
  add_config_option(*add, options->config);
  add->add_option("ADDRESS", options->targets, kTargetHelp)->required();
  add->add_option("--reason", options->reason, "Why: " + reason_help)->required()->type_name("REASON");
  add->add_option("--source", options->source, "Where it came from (free text; default \"cli\")")
      ->type_name("TEXT");
  add->callback([&cli, options] {
    cli.action = with_store(options, [options](Store& store) { return run_add(*options, store); });
  });

  auto* remove_command = suppress->add_subcommand(
      "remove", "Take addresses or @domains off the list; exit 1 if one was not on it");
  add_config_option(*remove_command, options->config);
  remove_command->add_option("ADDRESS", options->targets, kTargetHelp)->required();
  remove_command->callback([&cli, options] {
    cli.action = with_store(options, [options](Store& store) { return run_remove(*options, store); });
  });

  auto* list_command = suppress->add_subcommand(
      "list", "Print the list, by address: ADDRESS REASON TIME SOURCE (time in UTC), or JSON with --json");
  add_config_option(*list_command, options->config);
  list_command->add_option("--reason", options->reason, "Only entries with this reason: " + reason_help)
      ->type_name("REASON");
  list_command->add_option("--limit", options->limit, "At most N entries")->type_name("N");
  list_command->add_flag("--json", options->json, "Print one JSON array of {address, reason, source, time}");
  list_command->callback([&cli, options] {
    cli.action = with_store(options, [options](Store& store) { return run_list(*options, store); });
  });

  auto* import_command = suppress->add_subcommand(
      "import", "Add the entries of a CSV file; prints how many were added, already present and skipped");
  import_command->footer(
      "CSV as RFC 4180 (UTF-8, a byte-order mark allowed, CRLF or LF line ends). The first row may be a\n"
      "header naming the columns address, reason, source, time in any order (only address is required;\n"
      "other columns are ignored); without one, rows are address[,reason[,source[,time]]]. Empty cells\n"
      "take --reason, --source and the current time; a row's own reason wins. Time is RFC 3339\n"
      "(2024-05-01T12:00:00Z) or Unix seconds. Bad rows are skipped and reported as FILE:LINE.\n"
      "Exit 0 when every row was taken, 1 when some were skipped (the others are added; fix them and\n"
      "import again), 2 when the file cannot be read or its header has no address column.");
  add_config_option(*import_command, options->config);
  import_command->add_option("FILE", options->file, "The CSV file, or - for stdin")->required();
  import_command
      ->add_option("--reason", options->reason,
                   "Reason for rows without one (default import): " + reason_help)
      ->type_name("REASON");
  import_command->add_option("--source", options->source, "Source for rows without one (default import:FILE)")
      ->type_name("TEXT");
  import_command->callback([&cli, options] {
    cli.action = with_store(options, [options](Store& store) { return run_import(*options, store); });
  });

  auto* export_command = suppress->add_subcommand(
      "export",
      "Write the whole list as CSV (header address,reason,source,time; CRLF line ends; time in UTC), "
      "which `suppress import` reads back unchanged");
  add_config_option(*export_command, options->config);
  export_command->add_option("FILE", options->file, "Write here (replaced whole) instead of stdout");
  export_command->callback([&cli, options] {
    cli.action = with_store(options, [options](Store& store) { return run_export(*options, store); });
  });
}

const Registration kRegistration{55, add_suppress_command};

}  // namespace
}  // namespace cli
