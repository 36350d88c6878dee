// campaign_sample.hpp — one real message of a campaign, for the checks that judge a campaign by what it
// sends (preflight --campaign): reads the recipients CSV up to the first row that renders and builds that
// recipient's message. Nothing is sent and nothing is recorded. The suppression list is not consulted (an
// empty store): a suppressed first row is as good a sample as any, and the check then needs no database.
// Errors: an unreadable CSV, an unusable header, template fields nothing provides, no row that renders —
// each a sentence naming the file (and line). Untrusted input: the CSV, read as RecipientReader reads it.
#pragma once

#include <cstddef>
#include <string>

#include "campaigns/campaign/campaign_file.hpp"
#include "campaigns/message/message_builder.hpp"
#include "campaigns/tokens/token_secret.hpp"

namespace campaigns {

struct CampaignSample {
  std::string error;  // set when there is no sample (then nothing else is)
  RenderedMessage message;
  std::string csv;       // the recipients file, as the campaign names it
  std::size_t line = 0;  // the sampled row's line in it
  std::string recipient_id;
  std::size_t skipped = 0;  // rows before it that could not be used
};

CampaignSample render_sample(const Campaign& campaign, const TokenSecret& secret);

}  // namespace campaigns
