// sender.hpp — one run of `campaign send` after the campaign is recorded: a render thread re-reads the
// recipients CSV and builds the message of every pending row (message_builder) while the io thread's
// connections inject them (injector); each answer is committed to the campaign store as it arrives;
// progress is shown meanwhile. SIGINT and SIGTERM stop it after the transactions in flight.
// Errors: the run's end says how it stopped (finished, stopped, gave up with a reason); a CSV that cannot
// be re-read ends the run like giving up. StoreError ends it too. Untrusted input: the CSV (bounded by
// RecipientReader) and the daemon's replies (through the injector).
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "campaigns/campaign/campaign_file.hpp"
#include "campaigns/store/campaign_store.hpp"
#include "campaigns/send/injector.hpp"
#include "campaigns/send/progress.hpp"
#include "campaigns/tokens/token_secret.hpp"

namespace campaigns::send {

struct SendRequest {
  const Campaign& campaign;
  const TokenSecret& secret;
  std::vector<bool> pending;  // by CSV line: the rows to render and inject
  std::int64_t pending_count = 0;
  InjectorSettings injector;
  std::ostream& progress_out;
  bool terminal = false;
};

struct SendReport {
  InjectorEnd end = InjectorEnd::finished;
  bool interrupted = false;  // by a signal
  std::string reason;        // why it gave up
  ProgressCounts counts;
  double seconds = 0;         // the whole run
  std::int64_t rendered = 0;  // messages built by the render thread
  double render_seconds = 0;  // time the render thread spent building them
};

SendReport run_send(SendRequest& request, CampaignStore& store);

}  // namespace campaigns::send
