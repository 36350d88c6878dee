// bounce_parse_fuzz.cpp — fuzzes the bounce and complaint parser (campaigns/bounces/parse): any bytes, as
// a message received at the bounce domain, must parse without crashing, within the limits (recipients,
// field lengths), with a kind consistent with its contents; the VERP candidates must match without
// crashing and a valid match must carry ids.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "campaigns/bounces/parse/bounce_message.hpp"
#include "campaigns/bounces/parse/bounce_token.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto secret = campaigns::TokenSecret::from_bytes("relayctl fuzz secret, 32 bytes or more");
  campaigns::BounceParseLimits limits;
  limits.max_recipients = 50;
  limits.max_field_length = 200;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = campaigns::parse_bounce_message(input, "bounces+c.1.aaaaaaaaaaaa@bounce.example.com", limits);

  if (parsed.recipients.size() > limits.max_recipients) __builtin_trap();
  for (const auto& r : parsed.recipients)
    if (r.address.empty() || r.address.size() > limits.max_field_length ||
        r.diagnostic.size() > limits.max_field_length || r.status.size() > limits.max_field_length)
      __builtin_trap();
  if (parsed.kind == campaigns::BounceKind::arf && !parsed.arf) __builtin_trap();
  if (parsed.kind != campaigns::BounceKind::arf && parsed.arf) __builtin_trap();
  if ((parsed.kind == campaigns::BounceKind::auto_reply || parsed.kind == campaigns::BounceKind::unknown) &&
      !parsed.recipients.empty())
    __builtin_trap();
  if (parsed.token_candidates.empty() || parsed.token_candidates.size() > 3) __builtin_trap();
  if (campaigns::to_string(parsed.kind).empty()) __builtin_trap();

  auto token = campaigns::match_bounce_token(secret, parsed.token_candidates);
  if (token.ids.has_value() != (token.status == campaigns::BounceTokenStatus::valid)) __builtin_trap();
  return 0;
}
