#include "mta/inbound/greylist/greylist.hpp"

#include <array>
#include <chrono>

#include <asio/ip/address.hpp>

#include "dns/ip_network.hpp"
#include "dns/name.hpp"
#include "mta/log/log.hpp"
#include "mta/smtp/ascii.hpp"

namespace mta::inbound {
namespace {

std::string sender_domain(std::string_view sender) {
  auto at = sender.rfind('@');
  return at == std::string_view::npos ? "" : dns::canonical_name(sender.substr(at + 1));
}

// "example.com" matches that domain only; "*.example.com" its subdomains.
bool sender_matches(std::string_view domain, std::string_view pattern) {
  if (pattern.starts_with("*.")) {
    auto suffix = pattern.substr(1);
    return domain.size() > suffix.size() && domain.ends_with(suffix);
  }
  return domain == pattern;
}

}  // namespace

std::string greylist_network(std::string_view client_ip) {
  std::error_code ec;
  auto address = asio::ip::make_address(std::string(client_ip), ec);
  if (ec) return std::string(client_ip);
  address = dns::unmap_v4(address);
  if (address.is_v4()) {
    auto bytes = address.to_v4().to_bytes();
    bytes[3] = 0;
    return asio::ip::address_v4(bytes).to_string() + "/24";
  }
  auto bytes = address.to_v6().to_bytes();
  for (std::size_t i = 8; i < bytes.size(); ++i)
    bytes[i] = 0;
  return asio::ip::address_v6(bytes).to_string() + "/64";
}

std::int64_t Greylist::system_clock() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Greylist::Greylist(std::unique_ptr<store::Database> database, const config::GreylistConfig& config,
                   Clock clock)
    : database_(std::move(database)), config_(config), clock_(std::move(clock)) {
  for (auto& pattern : config_.whitelist_senders)
    pattern = dns::canonical_name(pattern);
}

GreylistVerdict Greylist::check(std::string_view client_ip, std::string_view sender,
                                std::string_view recipient) {
  if (configured_whitelist(client_ip, sender)) {
    counters_.whitelisted++;
    return {GreylistVerdict::Kind::whitelisted, std::chrono::seconds{0}};
  }
  std::string network = greylist_network(client_ip);
  std::string lowered_sender = smtp::ascii_lowered(sender);
  std::string lowered_recipient = smtp::ascii_lowered(recipient);
  GreylistVerdict verdict;
  try {
    std::lock_guard lock(mutex_);
    std::int64_t now = clock_();
    if (!last_purge_ || now - *last_purge_ >= kPurgeInterval.count() || now < *last_purge_) purge_locked(now);
    verdict = check_triplet(network, lowered_sender, lowered_recipient, now);
  } catch (const store::StoreError& error) {
    counters_.errors++;
    log::error("inbound.greylist.database_failed",
               {{"client_network", network}, {"error", error.what()}, {"verdict", "pass"}});
    verdict = {GreylistVerdict::Kind::pass, std::chrono::seconds{0}};
  }
  switch (verdict.kind) {
    case GreylistVerdict::Kind::pass:
      counters_.passed++;
      break;
    case GreylistVerdict::Kind::defer:
      counters_.deferred++;
      break;
    case GreylistVerdict::Kind::whitelisted:
      counters_.whitelisted++;
      break;
  }
  return verdict;
}

bool Greylist::configured_whitelist(std::string_view client_ip, std::string_view sender) const {
  std::error_code ec;
  auto address = asio::ip::make_address(std::string(client_ip), ec);
  if (!ec)
    for (const auto& network : config_.whitelist_networks)
      if (network.contains(address)) return true;
  std::string domain = sender_domain(sender);
  if (domain.empty()) return false;
  for (const auto& pattern : config_.whitelist_senders)
    if (sender_matches(domain, pattern)) return true;
  return false;
}

GreylistVerdict Greylist::check_triplet(const std::string& network, const std::string& sender,
                                        const std::string& recipient, std::int64_t now) {
  const std::int64_t remember_until = now + config_.remember.count();
  store::Transaction transaction(*database_);

  store::Statement client(*database_, "SELECT expires_at FROM greylist_clients WHERE network = ?1");
  if (client.bind(1, network).step() && client.integer(0) > now) {
    store::Statement(*database_, "UPDATE greylist_clients SET expires_at = ?2 WHERE network = ?1")
        .bind(1, network)
        .bind(2, remember_until)
        .step();
    transaction.commit();
    return {GreylistVerdict::Kind::whitelisted, std::chrono::seconds{0}};
  }

  store::Statement row(*database_,
                       "SELECT first_seen, passed_at IS NOT NULL, expires_at FROM greylist "
                       "WHERE network = ?1 AND sender = ?2 AND recipient = ?3");
  row.bind(1, network).bind(2, sender).bind(3, recipient);
  std::int64_t first_seen = now;
  bool passed = false;
  if (row.step() && row.integer(2) > now) {
    first_seen = row.integer(0);
    passed = row.integer(1) != 0;
  } else {
    store::Statement(
        *database_,
        "INSERT OR REPLACE INTO greylist (network, sender, recipient, first_seen, passed_at, expires_at)"
        " VALUES (?1, ?2, ?3, ?4, NULL, ?5)")
        .bind(1, network)
        .bind(2, sender)
        .bind(3, recipient)
        .bind(4, now)
        .bind(5, now + config_.retry_window.count())
        .step();
  }

  const std::int64_t waited = now - first_seen;
  if (!passed && waited < config_.delay.count()) {
    transaction.commit();
    return {GreylistVerdict::Kind::defer, std::chrono::seconds{config_.delay.count() - waited}};
  }
  store::Statement(*database_,
                   "UPDATE greylist SET passed_at = ?4, expires_at = ?5 "
                   "WHERE network = ?1 AND sender = ?2 AND recipient = ?3")
      .bind(1, network)
      .bind(2, sender)
      .bind(3, recipient)
      .bind(4, now)
      .bind(5, remember_until)
      .step();
  if (!passed && config_.auto_whitelist_after > 0) {
    store::Statement count(*database_,
                           "SELECT count(*) FROM (SELECT 1 FROM greylist WHERE network = ?1 AND "
                           "passed_at IS NOT NULL AND expires_at > ?2 LIMIT ?3)");
    count.bind(1, network).bind(2, now).bind(3, static_cast<std::int64_t>(config_.auto_whitelist_after));
    if (count.step() && count.integer(0) >= static_cast<std::int64_t>(config_.auto_whitelist_after)) {
      store::Statement(*database_,
                       "INSERT OR REPLACE INTO greylist_clients (network, expires_at) VALUES (?1, ?2)")
          .bind(1, network)
          .bind(2, remember_until)
          .step();
      log::info("inbound.greylist.auto_whitelisted", {{"client_network", network}});
    }
  }
  transaction.commit();
  return {GreylistVerdict::Kind::pass, std::chrono::seconds{0}};
}

void Greylist::purge() {
  std::lock_guard lock(mutex_);
  purge_locked(clock_());
}

void Greylist::purge_locked(std::int64_t now) {
  store::Transaction transaction(*database_);
  store::Statement(*database_, "DELETE FROM greylist WHERE expires_at <= ?1").bind(1, now).step();
  const int triplets = database_->changes();
  store::Statement(*database_, "DELETE FROM greylist_clients WHERE expires_at <= ?1").bind(1, now).step();
  const int clients = database_->changes();
  transaction.commit();
  last_purge_ = now;
  if (triplets > 0 || clients > 0)
    log::debug("inbound.greylist.purged", {{"triplets", triplets}, {"client_networks", clients}});
}

}  // namespace mta::inbound
