// recipient_probe.hpp — `recipients = probe` (docs/inbound.md): is this address real? Ask the domain's own
// backends: EHLO, STARTTLS when offered (or required), MAIL FROM:<>, RCPT TO:<address>, RSET, QUIT — never
// DATA, never another host than the domain's configured backends, never another sender than the null one.
// Answers are cached per lower-cased address (positive and negative TTLs; "unavailable" never), bounded in
// size (least recently used dropped), and concurrent checks of one address share one probe.
// Threads: check() blocks (up to timeout per backend tried) and is safe from any number of threads; call it
// on a worker pool, never on an I/O thread. Each probe runs on a private io_context of its own.
// Errors: nothing is thrown on expected paths; any failure, timeout or reply not understood is
// RecipientStatus::unavailable (the RCPT stage says 451, never a wrong 550) and is logged.
// Untrusted input: the recipient (checked: no control characters, bounded, at the domain probed) and every
// byte from the backends (read through delivery::ReplyReader, lines and line count bounded).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <asio/ip/address.hpp>

#include "mta/config/inbound.hpp"
#include "mta/inbound/recipient_status.hpp"

namespace mta::inbound {

class RecipientProbe {
 public:
  struct Options {
    std::string helo_name = "localhost";  // the EHLO name: [server] hostname
    // The whole conversation with one backend, from connect to the RCPT reply; a backend that does not
    // answer within it is down for this probe, and the next one is tried.
    std::chrono::seconds timeout{10};
    std::size_t max_cache_entries = 100000;
    // A backend that gave no answer is asked after the others (whatever its priority) for this long, so a
    // primary that is down costs no timeout per probe; it is still asked when no other answers.
    std::chrono::seconds down_for{30};
    // Seconds since some epoch, for the TTLs; unset: the system clock. Tests inject their own.
    std::function<std::int64_t()> clock{};
    // A backend given by host name: its addresses. Unset: the system's resolver (getaddrinfo, blocking,
    // outside timeout). An empty result, or an exception, makes the backend unusable for this probe.
    std::function<std::vector<asio::ip::address>(const std::string& host)> resolve{};
  };

  // Monotonic counts, for /metrics. probes: addresses probed (however many backends each one took);
  // cache_hits: answers from the cache; coalesced: checks that waited for a probe of the same address
  // already in flight; valid/unknown/unavailable: what check() returned, from whichever source.
  struct Counters {
    std::atomic<std::uint64_t> probes{0}, cache_hits{0}, coalesced{0}, valid{0}, unknown{0}, unavailable{0};
  };

  explicit RecipientProbe(Options options);
  ~RecipientProbe();
  RecipientProbe(const RecipientProbe&) = delete;
  RecipientProbe& operator=(const RecipientProbe&) = delete;

  // recipient: "local@domain" as the client gave it (without angle brackets); its domain must be
  // domain.name, else unavailable (the probe never asks a backend about another domain).
  RecipientStatus check(const config::InboundDomain& domain, std::string_view recipient);

  // Forgets every cached answer (after a configuration reload that changed a domain's backends).
  void clear_cache();
  std::size_t cache_size() const;
  const Counters& counters() const { return counters_; }

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  Counters counters_;
};

}  // namespace mta::inbound
