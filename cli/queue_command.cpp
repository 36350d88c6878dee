// queue_command.cpp — `relayctl queue list|show|hold|release|delete|flush|stats`: asks the running daemon
// over its control socket (SPOOL/control.sock) and prints a table, or the daemon's JSON with --json.
#include <ctime>
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/common.hpp"
#include "cli/exit_code.hpp"
#include "cli/registry.hpp"
#include "mta/server/control_socket.hpp"
#include "mta/spool/queue_id.hpp"

namespace cli {
namespace {

using nlohmann::json;

struct Options {
  std::string config;
  std::string socket;
  std::string id;
  std::string domain;  // list: only mail still waiting for this domain
  bool json = false;
};

std::string time_text(std::int64_t t) {
  if (t == 0) return "-";
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

// Header text comes from untrusted mail: keep terminal control sequences out of the operator's terminal.
std::string printable(const std::string& text) {
  std::string out = text;
  for (char& c : out)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7F) c = '?';
  return out;
}

void print_message_line(const json& m) {
  std::cout << m.value("id", "") << (m.value("held", false) ? "!" : " ") << " " << std::setw(8)
            << m.value("size", 0) << " " << time_text(m.value("received_at", std::int64_t{0})) << " <"
            << m.value("sender", "") << ">\n";
  for (const auto& r : m["recipients"])
    std::cout << "    " << r.value("address", "") << " " << r.value("status", "")
              << " attempts=" << r.value("attempts", 0)
              << " next=" << time_text(r.value("next_attempt", std::int64_t{0}))
              << " route=" << r.value("route", "") << (r.value("route_target", "").empty() ? "" : ":")
              << r.value("route_target", "")
              << (r.value("notify", "").empty() ? "" : " notify=" + r.value("notify", ""))
              << (r.value("orcpt", "").empty() ? "" : " orcpt=" + printable(r.value("orcpt", ""))) << "\n";
}

int print(const std::string& command, const json& response, bool as_json, const std::string& domain) {
  if (!response.value("ok", false)) {
    print_error(response.value("error", "the daemon refused the request"));
    return response.value("code", "") == "not_found" ? kCheckFailed : kUsage;
  }
  if (command == "list") {
    if (as_json) {
      std::cout << response["messages"].dump(2) << "\n";
      return kOk;
    }
    for (const auto& m : response["messages"])
      print_message_line(m);
    std::cout << response["messages"].size() << " message(s) "
              << (domain.empty() ? std::string("queued") : "held for " + domain) << "\n";
  } else if (command == "show") {
    if (as_json) {
      std::cout << response["message"].dump(2) << "\n";
      return kOk;
    }
    const auto& m = response["message"];
    print_message_line(m);
    std::cout << "client: " << m.value("client_address", "") << " helo=" << m.value("helo", "")
              << " user=" << m.value("auth_user", "") << " listener=" << m.value("listener", "") << "\n";
    if (!m.value("ret", "").empty() || !m.value("envid", "").empty())
      std::cout << "dsn: ret=" << m.value("ret", "") << " envid=" << printable(m.value("envid", "")) << "\n";
    std::cout << "\n" << printable(m.value("headers", ""));
  } else if (command == "stats") {
    if (as_json) {
      std::cout << response["stats"].dump(2) << "\n";
      return kOk;
    }
    for (const auto& [key, value] : response["stats"].items())
      std::cout << key << ": " << value << "\n";
  } else {
    if (as_json)
      std::cout << response.dump(2) << "\n";
    else if (command == "flush")
      std::cout << response.value("recipients_rescheduled", 0) << " recipient(s) rescheduled for now\n";
    else
      std::cout << command << " " << response.value("id", "") << ": done\n";
  }
  return kOk;
}

void add_queue_command(CLI::App& app, Cli& cli) {
  auto* queue = app.add_subcommand(
      "queue",
      "Inspect and manage the queue of the running daemon (`relayctl serve`), through its control socket. "
      "Exit 1 when the message does not exist, 3 when the daemon cannot be reached.");
  queue->require_subcommand(1);
  auto options = std::make_shared<Options>();
  struct Spec {
    const char* name;
    const char* help;
    bool takes_id;
  };
  for (const auto& spec :
       {Spec{"list", "List queued messages and each recipient's state (! marks held ones)", false},
        Spec{"show", "Show one message: envelope, recipients' states and headers", true},
        Spec{"hold", "Hold a message: delivery skips it until released", true},
        Spec{"release", "Release a held message", true},
        Spec{"delete", "Delete a message from the queue, without a bounce", true},
        Spec{"flush", "Make every deferred recipient due for delivery now", false},
        Spec{"stats", "Counts: messages, pending recipients, held, spool size", false}}) {
    auto* sub = queue->add_subcommand(spec.name, spec.help);
    add_config_option(*sub, options->config);
    sub->add_option("--socket", options->socket,
                    "Control socket (default: SPOOL/control.sock of the configuration)")
        ->type_name("PATH");
    sub->add_flag("--json", options->json, "Print the daemon's answer as JSON");
    if (std::string_view(spec.name) == "list")
      sub->add_option("--domain", options->domain,
                      "Only messages with a recipient at this domain still waiting (a relay domain's held mail)")
          ->type_name("DOMAIN");
    if (spec.takes_id)
      sub->add_option("ID", options->id, "Queue id (16 hex digits, from `relayctl queue list`)")->required();
    std::string command = spec.name;
    bool takes_id = spec.takes_id;
    sub->callback([&cli, options, command, takes_id] {
      cli.action = [options, command, takes_id]() -> int {
        std::filesystem::path socket = options->socket;
        if (socket.empty()) {
          auto loaded = load_config(options->config);
          if (!loaded) return kUsage;
          socket = mta::server::control_socket_path(loaded->config.spool.directory);
        }
        json request{{"command", command}};
        if (takes_id) {
          if (!mta::spool::QueueId::parse(options->id)) {
            print_error("'" + options->id +
                        "' is not a queue id: expected 16 hex digits as `relayctl queue list` shows");
            return kUsage;
          }
          request["id"] = options->id;
        }
        if (command == "list" && !options->domain.empty()) request["domain"] = options->domain;
        std::string error;
        auto answer = mta::server::control_call(socket, request.dump(), error);
        if (!answer) {
          print_error(error);
          return kTemporary;
        }
        json response = json::parse(*answer, nullptr, false);
        if (response.is_discarded()) {
          print_error("the daemon sent an answer that is not JSON");
          return kTemporary;
        }
        return print(command, response, options->json, options->domain);
      };
    });
  }
}

const Registration kRegistration{50, add_queue_command};

}  // namespace
}  // namespace cli
