// message.hpp — DNS messages on the wire: build a query (RD, EDNS0 with a 1232-octet payload) and turn a
// reply into a Response, following any CNAME chain inside the answer. Built and parsed with ldns.
// Errors: a reply that is not ours (ID, QR, question) is Verdict::mismatch and a reply ldns cannot parse
// is Verdict::malformed: callers drop both and keep waiting. Untrusted input: every reply byte.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dns/resolver/resolver.hpp"

namespace dns {

inline constexpr std::uint16_t kEdnsPayload = 1232;      // the DNS flag day 2020 value
inline constexpr unsigned kMaxCnameChain = 12;           // longer chains (or loops) are malformed
inline constexpr std::uint32_t kMaxNegativeTtl = 10800;  // RFC 2308 §5: 1–3 hours at most

// The wire form of a query, or nothing when name is not a valid domain name (label > 63, name > 253).
std::optional<std::vector<std::uint8_t>> build_query(std::uint16_t id, const std::string& name,
                                                     RecordType type);

struct ParsedReply {
  enum class Verdict { ours, mismatch, malformed } verdict = Verdict::malformed;
  bool truncated = false;
  Response response;  // meaningful when verdict == ours and !truncated
};

ParsedReply parse_reply(std::span<const std::uint8_t> wire, std::uint16_t id, const std::string& name,
                        RecordType type);

}  // namespace dns
