// dns_packet_fuzz.cpp — fuzzes the reply parser (dns/resolver/message.cpp): any octets, as a reply to an A,
// MX, TXT, PTR or CNAME question, must give a verdict without crashing, leaking or reading out of bounds.
// The first octet picks the question type; the ID is taken from the packet so the parser goes deep.
#include <cstddef>
#include <cstdint>
#include <span>

#include "dns/resolver/message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static constexpr dns::RecordType kTypes[] = {dns::RecordType::a,   dns::RecordType::aaaa,
                                               dns::RecordType::mx,  dns::RecordType::txt,
                                               dns::RecordType::ptr, dns::RecordType::cname};
  dns::RecordType type = kTypes[data[0] % 6];
  std::span<const std::uint8_t> packet(data + 1, size - 1);
  std::uint16_t id = packet.size() >= 2 ? static_cast<std::uint16_t>(packet[0] << 8 | packet[1]) : 0;
  auto reply = dns::parse_reply(packet, id, "example.test", type);
  for (const auto& record : reply.response.records)
    if (record.type != type) __builtin_trap();
  return 0;
}
