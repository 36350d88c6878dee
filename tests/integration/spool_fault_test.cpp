// Storage faults under a running `relayctl serve`: the fault injector (tests/fault/spool_fault.cpp) is
// LD_PRELOADed into the daemon and switched on mid-run — failing syncs of the spool's files (EIO) or
// its writes (ENOSPC). Every 250 must have been covered by a successful sync of its segment with no failed
// sync of that file in between (checked against the injector's log of writes and syncs), there is never
// a 5xx, a full disk answers 452 4.3.1 and accepting resumes by itself, and after a restart without the
// fault exactly the acknowledged messages are queued, intact. Delivery while the spool cannot record
// outcomes never sends a message twice to a live smtp-sink and stays at the retry pace.
#include <algorithm>
#include <atomic>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mta/spool/record.hpp"
#include "tests/support/smtp_daemon.hpp"
#include "tests/support/smtp_sink.hpp"

namespace {

using namespace relay::test;

// The injector's files and the daemon options that load it.
struct Fault {
  explicit Fault(const TempDir& dir)
      : control(dir.path() / "fault.control"), log(dir.path() / "fault.log"), spool(dir.path() / "spool") {}
  void set(const std::string& line) const { std::ofstream(control) << line << "\n"; }
  void clear() const { std::ofstream(control).flush(); }
  // One line appended to the injector's log, in order with the daemon's own lines (O_APPEND).
  void note(const std::string& line) const {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    std::string text = line + "\n";
    EXPECT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ::close(fd);
  }
  std::map<std::string, std::string> environment() const {
    return {{"LD_PRELOAD", RELAY_SPOOL_FAULT_LIBRARY},
            {"RELAY_FAULT_PATH", (spool / "queue").string()},
            {"RELAY_FAULT_CONTROL", control.string()},
            {"RELAY_FAULT_LOG", log.string()}};
  }
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);)
      out.push_back(line);
    return out;
  }
  std::filesystem::path control, log, spool;
};

struct Outcome {
  std::mutex mutex;
  std::map<std::string, std::string> acked;  // queue id -> token
  std::map<int, int> codes;                  // reply to the final dot -> count
  std::vector<std::string> refusals;
  std::size_t count_acked() {
    std::lock_guard lock(mutex);
    return acked.size();
  }
  std::size_t count_refused() {
    std::lock_guard lock(mutex);
    return refusals.size();
  }
};

void inject(unsigned short port, const Fault& fault, int session, Outcome& out, std::atomic<bool>& stop,
            int limit) {
  SmtpClient client;
  if (!client.connect(port) || reply_code(client.reply()) != 220) return;
  if (reply_code(client.command("EHLO fault.test")) != 250) return;
  for (int n = 0; !stop && n < limit; ++n) {
    std::string token = "s" + std::to_string(session) + "-m" + std::to_string(n);
    if (reply_code(client.command("MAIL FROM:<a@example.com>")) != 250 ||
        reply_code(client.command("RCPT TO:<" + token + "@far.test>")) != 250 ||
        reply_code(client.command("DATA")) != 354)
      return;
    client.send("Subject: " + token + "\r\nX-Token: " + token + "\r\n\r\n" + std::string(200, 'x') +
                "\r\n.\r\n");
    std::string reply = client.reply();
    int code = reply_code(reply);
    auto at = reply.find("queued as ");
    std::lock_guard lock(out.mutex);
    ++out.codes[code];
    if (code == 250 && at != std::string::npos) {
      std::string id = reply.substr(at + 10, 16);
      fault.note("ack " + id);
      out.acked[id] = token;
    } else {
      out.refusals.push_back(reply);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (code == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // a few hundred a second: enough to test
  }
}

// Six sessions send mail (each at most limit messages, every 5 ms at most) until during() returns.
void inject_for(const SmtpDaemon& daemon, const Fault& fault, Outcome& out,
                const std::function<void()>& during, int limit = 400) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> sessions;
  for (int s = 0; s < 6; ++s)
    sessions.emplace_back([&, s] { inject(daemon.relay_port(), fault, s, out, stop, limit); });
  during();
  stop = true;
  for (auto& t : sessions)
    t.join();
}

// Where each message record lies: queue id -> (segment path, offset), read from the segment files.
std::map<std::string, std::pair<std::string, std::uint64_t>> record_places(
    const std::filesystem::path& queue) {
  std::map<std::string, std::pair<std::string, std::uint64_t>> places;
  for (const auto& item : std::filesystem::directory_iterator(queue)) {
    if (item.path().extension() != ".seg") continue;
    std::ifstream in(item.path(), std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), {});
    for (std::size_t offset = 0; offset < data.size();) {
      auto record = mta::spool::decode_record(std::string_view(data).substr(offset));
      if (record.status != mta::spool::DecodeStatus::ok) break;
      mta::spool::QueueId id;
      mta::spool::Envelope envelope;
      std::string_view body;
      if (record.type == mta::spool::RecordType::message &&
          mta::spool::decode_message(record.payload, id, envelope, &body) && !places.contains(id.to_string()))
        places[id.to_string()] = {item.path().string(), offset};
      offset += record.size;
    }
  }
  return places;
}

// Every acknowledged message's record was written, then a sync of its file succeeded, with no failed sync
// of that file in between, all before its 250; and none written after a failed sync was acknowledged.
// Returns what is wrong, one line each.
std::vector<std::string> unsynced_acks(const Fault& fault, const Outcome& out) {
  auto places = record_places(fault.spool / "queue");
  auto lines = fault.lines();
  auto first_failure = std::find_if(lines.begin(), lines.end(),
                                    [](const std::string& line) {
                                      return line.starts_with("sync ") && !line.ends_with(" 0");
                                    }) -
                       lines.begin();
  std::vector<std::string> problems;
  for (const auto& [id, token] : out.acked) {
    auto place = places.find(id);
    if (place == places.end()) {
      problems.push_back(id + ": acknowledged but not in any segment");
      continue;
    }
    const auto& [path, offset] = place->second;
    auto ack = std::find(lines.begin(), lines.end(), "ack " + id);
    std::optional<std::size_t> written;
    for (std::size_t i = 0; i < static_cast<std::size_t>(ack - lines.begin()); ++i) {
      std::istringstream in(lines[i]);
      std::string kind, file, at, length, result;
      in >> kind >> file >> at >> length >> result;
      if (kind == "write" && file == path && at != "-" && std::stoull(at) <= offset &&
          offset < std::stoull(at) + std::stoull(length) && result != "-1" && !result.starts_with("E"))
        written = i;
    }
    if (!written) {
      problems.push_back(id + ": no write of its record before its 250");
      continue;
    }
    if (static_cast<std::ptrdiff_t>(*written) > first_failure)
      problems.push_back(id + ": written after a failed sync, yet acknowledged");
    bool synced = false, failed = false;
    for (std::size_t i = *written + 1; i < static_cast<std::size_t>(ack - lines.begin()); ++i) {
      if (lines[i] == "sync " + path + " 0") synced = true;
      if (lines[i].starts_with("sync " + path + " E") && !synced) failed = true;
    }
    if (!synced || failed)
      problems.push_back(id + (failed ? ": a failed sync of " : ": no sync of ") + path + " before its 250");
  }
  return problems;
}

// After a restart without the fault: exactly the acknowledged messages are queued, each with its content.
void expect_exactly_acknowledged_queued(SmtpDaemon& daemon, const Outcome& out) {
  auto ids = daemon.queued_ids();
  std::set<std::string> queued(ids.begin(), ids.end());
  for (const auto& [id, token] : out.acked) {
    EXPECT_TRUE(queued.contains(id)) << "acknowledged message " << id << " lost";
    if (queued.contains(id)) {
      EXPECT_THAT(daemon.relayctl({"queue", "show", id}).out, ::testing::HasSubstr("X-Token: " + token));
    }
  }
  std::size_t unacknowledged = 0;
  for (const auto& id : queued)
    unacknowledged += !out.acked.contains(id);
  EXPECT_EQ(unacknowledged, 0u) << "messages refused with 4xx are queued too (the client sends them again)";
}

// A daemon with the injector loaded (inactive until its control file says otherwise).
std::unique_ptr<SmtpDaemon> faulty_daemon(DaemonOptions options, std::unique_ptr<Fault>& fault) {
  auto daemon = std::make_unique<SmtpDaemon>(std::move(options));
  fault = std::make_unique<Fault>(daemon->dir());
  daemon->environment() = fault->environment();
  return daemon;
}

int count_codes(Outcome& out, int low, int high) {
  int n = 0;
  for (auto [code, count] : out.codes)
    if (code >= low && code <= high) n += count;
  return n;
}

// The kernel reports a writeback error to one fsync caller only: after it, no 250 may follow (a later
// successful sync proves nothing), until a restart has let recovery check the files.
TEST(SpoolFault, AFailedSyncStopsAcknowledgementsUntilRestart) {
  std::unique_ptr<Fault> fault;
  auto daemon = faulty_daemon({}, fault);
  ASSERT_TRUE(daemon->start()) << daemon->log();
  Outcome out;
  inject_for(*daemon, *fault, out, [&] {
    EXPECT_TRUE(eventually([&] { return out.count_acked() >= 30; }));
    fault->set("sync-once EIO");
    EXPECT_TRUE(eventually([&] { return out.count_refused() >= 12; }));
  });
  ASSERT_EQ(daemon->stop(), 0) << daemon->log();
  std::cout << "acknowledged " << out.acked.size() << ", 4xx " << count_codes(out, 400, 499) << ", 5xx "
            << count_codes(out, 500, 599) << "\n";
  ASSERT_GT(out.acked.size(), 10u) << "too few messages before the fault to test anything";
  EXPECT_GT(count_codes(out, 400, 499), 0) << "the failed sync was not noticed";
  EXPECT_EQ(count_codes(out, 500, 599), 0);
  auto lines = fault->lines();
  ASSERT_TRUE(std::any_of(lines.begin(), lines.end(), [](const auto& l) { return l.ends_with(" EIO"); }));
  auto problems = unsynced_acks(*fault, out);
  EXPECT_TRUE(problems.empty()) << problems.size() << " acknowledgements not covered, first: "
                                << (problems.empty() ? "" : problems[0]);

  fault->clear();
  ASSERT_TRUE(daemon->start()) << daemon->log();
  expect_exactly_acknowledged_queued(*daemon, out);
}

// A full disk: 452 4.3.1 while there is no room, and accepting resumes by itself when there is.
TEST(SpoolFault, AFullDiskRefusesWith452AndResumes) {
  std::unique_ptr<Fault> fault;
  auto daemon = faulty_daemon({}, fault);
  ASSERT_TRUE(daemon->start()) << daemon->log();
  Outcome out;
  std::size_t before = 0, during = 0;
  inject_for(*daemon, *fault, out, [&] {
    EXPECT_TRUE(eventually([&] { return out.count_acked() >= 30; }));
    fault->set("write ENOSPC");
    before = out.count_acked();
    EXPECT_TRUE(eventually([&] { return out.count_refused() >= 12; }));
    during = out.count_acked();
    fault->clear();
    EXPECT_TRUE(eventually([&] { return out.count_acked() >= during + 30; }))
        << "accepting did not resume when there was room again";
  });
  std::cout << "acknowledged " << out.acked.size() << " (" << before << " before, " << during - before
            << " while full), 4xx " << count_codes(out, 400, 499) << ", 5xx " << count_codes(out, 500, 599)
            << "\n";
  EXPECT_GT(count_codes(out, 452, 452), 0);
  auto other = std::find_if(out.refusals.begin(), out.refusals.end(),
                            [](const std::string& r) { return !r.starts_with("452 4.3.1 "); });
  EXPECT_TRUE(other == out.refusals.end()) << "a full disk is 'mail system full' (452 4.3.1), not: "
                                           << (other == out.refusals.end() ? "" : *other);
  EXPECT_EQ(count_codes(out, 500, 599), 0);
  ASSERT_EQ(daemon->stop(), 0) << daemon->log();
  auto problems = unsynced_acks(*fault, out);
  EXPECT_TRUE(problems.empty()) << problems.size() << " acknowledgements not covered, first: "
                                << (problems.empty() ? "" : problems[0]);
  ASSERT_TRUE(daemon->start()) << daemon->log();
  expect_exactly_acknowledged_queued(*daemon, out);
}

// Messages are acknowledged, then the spool fails while they are being delivered to a live smtp-sink
// (which takes a second per message): their outcomes cannot be recorded. None may be sent twice, attempts
// stay at the retry pace, and after a restart without the fault every message is delivered or queued.
void deliver_while_failing(const std::string& fault_line, bool recovers) {
  SmtpSink sink({"-w", "1"});
  std::unique_ptr<Fault> fault;
  auto daemon = faulty_daemon(delivering_to(sink.port(), "retry_initial = \"1m\""), fault);
  ASSERT_TRUE(daemon->start()) << daemon->log();
  Outcome out;
  inject_for(
      *daemon, *fault, out,
      [&] {
        EXPECT_TRUE(eventually([&] { return out.count_acked() + out.count_refused() >= 24; }));
        fault->set(fault_line);
      },
      4);
  std::this_thread::sleep_for(std::chrono::seconds(4));
  auto received = [&] {
    std::map<std::string, int> tokens;
    for (const auto& m : sink.messages()) {
      auto at = m.find("X-Token: ");
      if (at != std::string::npos) ++tokens[m.substr(at + 9, m.find('\n', at) - at - 9)];
    }
    return tokens;
  };
  auto accounting = daemon->accounting();
  std::map<std::string, int> attempts;
  for (const auto& line : accounting)
    ++attempts[line["queue_id"].get<std::string>()];
  int most = 0, copies = 0, duplicates = 0;
  for (auto [id, n] : attempts)
    most = std::max(most, n);
  for (auto [token, n] : received())
    copies = std::max(copies, n), duplicates += n - 1;
  std::cout << "acknowledged " << out.acked.size() << ", delivered " << received().size() << " with "
            << duplicates << " duplicates, " << accounting.size() << " attempts, at most " << most
            << " per message\n";
  ASSERT_GT(out.acked.size(), 5u);
  EXPECT_EQ(count_codes(out, 500, 599), 0);
  EXPECT_LE(copies, 1) << "a message was delivered more than once";
  EXPECT_LE(most, 2) << "attempts per message beyond the retry pace while the spool fails";

  fault->clear();
  if (recovers) {
    // Room again: the outcomes kept in memory are recorded, and the delivered messages leave the queue.
    EXPECT_TRUE(daemon->wait_for_empty_queue(std::chrono::seconds(20))) << daemon->log();
    EXPECT_EQ(received().size(), out.acked.size());
    for (auto [token, n] : received())
      EXPECT_EQ(n, 1) << token;
  }
  ASSERT_EQ(daemon->stop(), 0) << daemon->log();
  ASSERT_TRUE(daemon->edit_config("127.0.0.1:" + std::to_string(sink.port()),
                                  "127.0.0.1:" + std::to_string(free_tcp_port())));
  ASSERT_TRUE(daemon->start()) << daemon->log();
  // Each acknowledged message is delivered or still queued with its content (those delivered while the
  // spool could not say so are queued again: at most one more copy after a restart, as after a crash).
  auto ids = daemon->queued_ids();
  std::set<std::string> queued(ids.begin(), ids.end());
  auto got = received();
  for (const auto& [id, token] : out.acked) {
    EXPECT_TRUE(queued.contains(id) || got.contains(token)) << id << " (" << token << ") lost";
    if (queued.contains(id)) {
      EXPECT_THAT(daemon->relayctl({"queue", "show", id}).out, ::testing::HasSubstr("X-Token: " + token));
    }
  }
  for (const auto& id : queued)
    EXPECT_TRUE(out.acked.contains(id)) << id << " queued but never acknowledged";
}

TEST(SpoolFault, DeliveryNeverRepeatsWhileSyncsFail) {
  deliver_while_failing("sync EIO", false);
}

TEST(SpoolFault, DeliveryNeverRepeatsWhileTheDiskIsFull) {
  deliver_while_failing("write ENOSPC", true);
}

}  // namespace
