// campaign_sample.cpp — the first usable row of the recipients CSV, rendered.
#include "campaigns/message/campaign_sample.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "campaigns/suppression/memory_suppression_store.hpp"
#include "campaigns/campaign/recipients.hpp"

namespace campaigns {

CampaignSample render_sample(const Campaign& campaign, const TokenSecret& secret) {
  CampaignSample sample;
  sample.csv = campaign.recipients.string();
  std::ifstream in(campaign.recipients, std::ios::binary);
  if (!in) {
    sample.error = "cannot read " + sample.csv + ": " + std::strerror(errno);
    return sample;
  }
  MemorySuppressionStore no_suppressions;
  RecipientReader reader(in, no_suppressions);
  if (!reader.header_error().empty()) {
    sample.error = sample.csv + ": " + reader.header_error();
    return sample;
  }
  MessageBuilder builder(campaign, secret, reader.columns());
  if (auto unknown = builder.unknown_fields(); !unknown.empty()) {
    std::string fields;
    for (const auto& problem : unknown)
      fields += (fields.empty() ? "" : "; ") + problem;
    sample.error = fields + " (the fields are the columns of " + sample.csv +
                   " and email, recipient_id, campaign_id, unsubscribe_url, view_online_url)";
    return sample;
  }
  std::string first_problem;
  RecipientRow row;
  while (reader.next(row)) {
    std::string problem = row.skip ? std::string(to_string(*row.skip)) + ": " + row.problem : std::string();
    if (!row.skip) {
      auto message = builder.build(row);
      if (message.problem.empty()) {
        sample.message = std::move(message);
        sample.line = row.line;
        sample.recipient_id = row.id->str();
        return sample;
      }
      problem = std::string(to_string(SkipReason::missing_field)) + ": " + message.problem;
    }
    if (first_problem.empty()) first_problem = sample.csv + ":" + std::to_string(row.line) + ": " + problem;
    ++sample.skipped;
  }
  if (in.bad())
    sample.error = "reading " + sample.csv + " failed part-way";
  else if (sample.skipped == 0)
    sample.error = sample.csv + " has no recipients: nothing to render";
  else
    sample.error = "no row of " + sample.csv + " renders (" + std::to_string(sample.skipped) +
                   " rows; the first: " + first_problem + "); relayctl campaign check lists them all";
  return sample;
}

}  // namespace campaigns
