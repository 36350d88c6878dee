#include "mta/inbound/inbound_policy.hpp"

#include <cstdio>

#include "dns/ascii.hpp"
#include "mta/inbound/auth/client_blocklist.hpp"
#include "mta/inbound/auth/message_authentication.hpp"
#include "mta/inbound/greylist/greylist.hpp"
#include "mta/inbound/message_fields.hpp"
#include "mta/inbound/recipients/recipient_list.hpp"
#include "mta/inbound/recipients/recipient_probe.hpp"
#include "mta/inbound/scan/clamd_client.hpp"
#include "mta/inbound/scan/rspamd_client.hpp"
#include "mta/inbound/scan/spam_verdict.hpp"
#include "mta/inbound/store/inbound_database.hpp"
#include "mta/log/log.hpp"

namespace mta::inbound {

namespace {

bool any_domain(const config::InboundConfig& inbound, auto predicate) {
  for (const auto& d : inbound.domains)
    if (predicate(d)) return true;
  return false;
}

// RFC 5321 §4.5.1: postmaster at every domain we take mail for is accepted, whatever the recipient source.
bool is_postmaster(std::string_view recipient) {
  auto at = recipient.rfind('@');
  return ascii::iequals(recipient.substr(0, at), "postmaster");
}

}  // namespace

InboundPolicy::~InboundPolicy() = default;

std::shared_ptr<InboundPolicy> InboundPolicy::create(const config::Config& config,
                                                     std::function<std::int64_t()> clock, std::string& error) {
  std::shared_ptr<InboundPolicy> policy(new InboundPolicy());
  const config::InboundConfig& inbound = config.inbound;
  policy->config_ = inbound;
  policy->hostname_ = config.server.hostname.empty() ? config::machine_hostname() : config.server.hostname;
  policy->authserv_id_ = inbound.authserv_id.empty() ? policy->hostname_ : inbound.authserv_id;
  if (any_domain(inbound, [](const auto& d) { return d.recipients == config::RecipientSource::list; })) {
    auto opened = open_inbound_database(inbound.database);
    if (!opened.database) {
      error = opened.error;
      return nullptr;
    }
    policy->recipients_ = std::make_unique<RecipientList>(std::move(opened.database));
  }
  if (any_domain(inbound, [](const auto& d) { return d.recipients == config::RecipientSource::probe; })) {
    RecipientProbe::Options options;
    options.helo_name = policy->hostname_;
    options.timeout = inbound.probe_timeout;
    options.max_cache_entries = inbound.probe_cache_entries;
    options.clock = clock;
    policy->probe_ = std::make_unique<RecipientProbe>(std::move(options));
  }
  if (any_domain(inbound, [](const auto& d) { return d.greylist; })) {
    auto opened = open_inbound_database(inbound.database);  // its own connection: see inbound_database.hpp
    if (!opened.database) {
      error = opened.error;
      return nullptr;
    }
    policy->greylist_ = std::make_unique<Greylist>(std::move(opened.database), inbound.greylist, clock);
  }
  if (!inbound.rspamd.address.empty()) policy->rspamd_ = std::make_unique<scan::RspamdClient>(inbound.rspamd);
  if (!inbound.clamd.address.empty()) policy->clamd_ = std::make_unique<scan::ClamdClient>(inbound.clamd);
  return policy;
}

asio::awaitable<std::optional<std::string>> InboundPolicy::blocklisted(dns::Resolver& resolver,
                                                                       asio::ip::address client) const {
  co_return co_await auth::listed_in(resolver, client, config_.dnsbl_zones);
}

std::optional<Refusal> InboundPolicy::check_recipient(const config::InboundDomain& domain,
                                                      const std::string& client_ip, const std::string& sender,
                                                      const std::string& recipient) {
  RecipientStatus status = RecipientStatus::valid;
  if (!is_postmaster(recipient)) {
    if (domain.recipients == config::RecipientSource::list && recipients_)
      status = recipients_->check(domain.name, recipient);
    else if (domain.recipients == config::RecipientSource::probe && probe_)
      status = probe_->check(domain, recipient);
  }
  if (status == RecipientStatus::unknown) return Refusal{smtp::SmtpError::unknown_recipient, ""};
  if (status == RecipientStatus::unavailable) return Refusal{smtp::SmtpError::recipient_unverified, ""};
  if (domain.greylist && greylist_) {
    GreylistVerdict verdict = greylist_->check(client_ip, sender, recipient);
    if (verdict.kind == GreylistVerdict::Kind::defer)
      return Refusal{smtp::SmtpError::greylisted,
                     "Greylisted: please try again in " + std::to_string(verdict.retry_after.count()) + " seconds"};
  }
  return std::nullopt;
}

ScanResult InboundPolicy::scan(const config::InboundDomain& domain, const MessageContext& context,
                               std::string_view message) const {
  ScanResult result;
  if (clamd_) {
    scan::VirusScan virus = clamd_->scan(message);
    ++(virus.status == scan::VirusScan::Status::clean      ? counters_.virus_clean
       : virus.status == scan::VirusScan::Status::infected ? counters_.virus_infected
                                                           : counters_.virus_error);
    if (virus.status == scan::VirusScan::Status::infected) {
      log::warn("inbound.virus", {{"client", context.client_ip}, {"signature", virus.signature}});
      result.refusal = Refusal{smtp::SmtpError::virus_found,
                               "Message refused: it contains a virus (" + virus.signature + ")"};
      return result;
    }
    if (virus.status == scan::VirusScan::Status::too_large) {
      log::warn("inbound.clamd_too_large", {{"client", context.client_ip}, {"error", virus.error}});
      result.refusal = Refusal{smtp::SmtpError::message_too_big,
                               "Message too big to be scanned for viruses here; send a smaller one"};
      return result;
    }
    if (virus.status == scan::VirusScan::Status::error) {
      log::warn("inbound.clamd_failed", {{"client", context.client_ip}, {"error", virus.error}});
      result.refusal = Refusal{smtp::SmtpError::scanner_unavailable, ""};
      return result;
    }
  }
  if (domain.spam.enabled && rspamd_) {
    scan::ScanEnvelope envelope;
    envelope.client_ip = context.client_ip;
    envelope.helo = context.helo;
    envelope.hostname = "";
    envelope.sender = context.sender;
    envelope.recipients = context.recipients;
    scan::SpamScan spam = rspamd_->scan(envelope, message);
    ++(spam.ok ? counters_.spam_scanned : counters_.spam_error);
    if (spam.ok) {
      result.spam_scanned = true;
      result.spam_score = spam.score;
      result.spam_symbols = std::move(spam.symbols);
    } else {
      log::warn("inbound.rspamd_failed", {{"client", context.client_ip}, {"error", spam.error}});
      if (domain.spam.scanner_down == config::ScannerDown::defer)
        result.refusal = Refusal{smtp::SmtpError::scanner_unavailable, ""};
      else
        result.spam_unscanned = true;
    }
  }
  return result;
}

asio::awaitable<AuthenticationResult> InboundPolicy::authenticate(dns::Resolver& resolver,
                                                                  const dkim::Verifier& verifier,
                                                                  MessageContext context,
                                                                  std::string_view message) const {
  auth::AuthenticationInput input;
  input.client_ip = context.client_ip;
  input.helo = context.helo;
  input.mail_from = context.sender;
  input.message = message;
  input.authserv_id = authserv_id_;
  auth::AuthenticationOutcome outcome = co_await auth::authenticate(resolver, verifier, input);
  co_return AuthenticationResult{outcome.header, outcome.dmarc_reject_policy, outcome.from_domain};
}

Verdict InboundPolicy::finish(const config::InboundDomain& domain, const ScanResult& scan,
                              const AuthenticationResult& auth, std::string& message) const {
  Verdict verdict;
  if (domain.dmarc_reject && auth.dmarc_reject_policy) {
    verdict.kind = Verdict::Kind::refuse;
    verdict.refusal = Refusal{smtp::SmtpError::dmarc_rejected,
                              "Message refused: it fails DMARC and " + auth.from_domain + "'s policy is reject"};
    return verdict;
  }
  scan::SpamLevel level = scan::SpamLevel::none;
  config::SpamAction action = config::SpamAction::none;
  if (scan.spam_scanned) {
    level = scan::level_for(domain.spam, scan.spam_score);
    action = scan::action_for(domain.spam, level);
  }
  verdict.level = std::string(scan::to_string(level));
  if (action == config::SpamAction::reject) {
    verdict.kind = Verdict::Kind::refuse;
    verdict.refusal = Refusal{smtp::SmtpError::spam_rejected, ""};
    return verdict;
  }
  if (action == config::SpamAction::discard) {
    verdict.kind = Verdict::Kind::discard;
    return verdict;
  }
  // The message as the backend will see it: nothing forged in our names, our findings added.
  message = auth::remove_forged_results(message, authserv_id_);
  if (domain.strip_received) message = strip_earlier_received(message);
  if (scan.spam_scanned)
    message = scan::mark_scanned(message, domain.spam, scan.spam_score);  // X-Spam fields, the Subject tag
  else if (scan.spam_unscanned)
    message = scan::mark_unscanned(message);
  else
    message = scan::remove_spam_headers(message);
  insert_after_first_received(message, auth.header);
  return verdict;
}

}  // namespace mta::inbound
