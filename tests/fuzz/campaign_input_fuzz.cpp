// campaign_input_fuzz.cpp — fuzzes what a campaign reads from untrusted files: the first byte chooses
// the campaign TOML (campaign_file.cpp through mta/config's TableReader), a recipients CSV
// (recipients.cpp, csv.cpp, address.cpp) or a Mustache template (template.cpp, kainjow). Any bytes must be
// handled without crashing; a usable row has an address that parses again and an id that fits tokens;
// a template that parses renders, and renders without missing fields once every required one is set.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "campaigns/campaign/campaign_file.hpp"
#include "campaigns/suppression/memory_suppression_store.hpp"
#include "campaigns/campaign/recipients.hpp"
#include "campaigns/campaign/template.hpp"

namespace {

void campaign_file(const std::string& text) {
  auto load = campaigns::load_campaign_text(text, "fuzz.toml", "/nonexistent-campaign-dir");
  if (load.campaign && !load.errors.empty()) __builtin_trap();
  if (!load.campaign && load.errors.empty()) __builtin_trap();
}

void recipients(const std::string& text) {
  std::istringstream in(text);
  campaigns::MemorySuppressionStore store;
  campaigns::RecipientReader reader(in, store);
  campaigns::RecipientRow row;
  auto tmpl =
      campaigns::Template::parse("{{email}} {{#name}}{{name}}{{/name}}", "fuzz", campaigns::Escaping::html);
  campaigns::Fields fields;
  while (reader.next(row)) {
    if (row.skip) continue;
    if (!row.id || !campaigns::RecipientId::parse(row.id->str()) ||
        row.cells.size() != reader.columns().size())
      __builtin_trap();
    auto again = campaigns::parse_address(row.address.str());
    if (!again.address || again.address->str() != row.address.str()) __builtin_trap();
    fields.clear();
    for (std::size_t i = 0; i < row.cells.size(); ++i)
      fields.set(reader.columns()[i], row.cells[i]);
    if (tmpl.tmpl->missing_field(fields)) __builtin_trap();  // email is always a column
    (void)tmpl.tmpl->render(fields);
  }
}

void mustache(const std::string& text) {
  for (auto escaping : {campaigns::Escaping::html, campaigns::Escaping::none}) {
    auto parsed = campaigns::Template::parse(text, "fuzz", escaping);
    if (!parsed.tmpl) {
      if (parsed.error.empty()) __builtin_trap();
      continue;
    }
    campaigns::Fields fields;
    (void)parsed.tmpl->render(fields);
    for (const auto& field : parsed.tmpl->required_fields())
      fields.set(field, "<x&y>");
    if (parsed.tmpl->missing_field(fields)) __builtin_trap();
    (void)parsed.tmpl->render(fields);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      campaign_file(text);
      break;
    case 1:
      recipients(text);
      break;
    default:
      mustache(text);
      break;
  }
  return 0;
}
