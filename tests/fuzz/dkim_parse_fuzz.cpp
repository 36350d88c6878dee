// dkim_parse_fuzz.cpp — fuzzes what dkim/ parses from untrusted input: messages (header/body split, limits,
// the From domain), tag lists (DKIM-Signature values), key records with their p= keys, and base64. Any
// input must parse or be rejected with an error value, without crashing or hanging.
#include <cstddef>
#include <cstdint>
#include <string>

#include "dkim/key_record.hpp"
#include "dkim/keys.hpp"
#include "dkim/message.hpp"
#include "dkim/tag_list.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  dkim::MessageLimits limits;
  limits.max_field_bytes = 512;
  limits.max_header_bytes = 1024;
  limits.max_fields = 20;
  auto message = dkim::parse_message(text, limits);
  if (message) {
    if (message->headers.empty()) __builtin_trap();
    auto domain = dkim::from_domain(*message);
    (void)domain;
    for (const auto& field : message->headers) {
      if (field.text.size() > limits.max_field_bytes) __builtin_trap();
      auto tags = dkim::parse_tag_list(field.value());
      (void)tags;
    }
  }
  auto record = dkim::parse_key_record(text);
  if (record) {
    auto bits = dkim::public_key_bits(*record);
    if (bits && *bits <= 0) __builtin_trap();
  }
  auto decoded = dkim::base64_decode(text);
  if (decoded && dkim::base64_decode(dkim::base64_encode(*decoded)) != decoded) __builtin_trap();
  return 0;
}
