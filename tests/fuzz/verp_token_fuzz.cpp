// verp_token_fuzz.cpp — fuzzes the VERP token decoder (campaigns/tokens/verp.cpp): any bytes, as a return path
// and as a bare token, must decode to not_a_token, forged or valid without crashing, and a valid one must
// be exactly (letter case aside) the token make_token gives for its ids, so no second spelling verifies.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "campaigns/tokens/verp.hpp"

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto secret = campaigns::TokenSecret::from_bytes("relayctl fuzz secret, 32 bytes or more");
  static const auto bounce = *campaigns::BounceAddress::parse("bounces@bounce.example.com");
  std::string input(reinterpret_cast<const char*>(data), size);

  auto token = campaigns::check_token(secret, input);
  if (token.ids.has_value() != (token.status == campaigns::TokenStatus::valid)) __builtin_trap();
  if (token.ids && campaigns::make_token(secret, token.ids->campaign, token.ids->recipient) != lower(input))
    __builtin_trap();

  auto address = campaigns::decode_verp(secret, bounce, input);
  if (address.ids.has_value() != (address.status == campaigns::TokenStatus::valid)) __builtin_trap();
  if (address.ids) {
    std::string expected = campaigns::make_token(secret, address.ids->campaign, address.ids->recipient);
    std::string local = lower(input.substr(0, input.rfind('@')));
    if (local != "bounces+" + expected) __builtin_trap();
  }
  return 0;
}
