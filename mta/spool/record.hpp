// record.hpp — the spool's on-disk records and their encodings.
// A record is a 16-byte header (magic, type, payload length, CRC-32C of type+length+payload) and a payload.
// A record cut short by a crash or failing its checksum decodes as incomplete/corrupt and is never
// returned half-read. Payloads are little-endian fields; strings are length-prefixed.
// Untrusted input: the bytes read back from disk (a torn or damaged file); decoding checks every length.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mta/spool/envelope.hpp"
#include "mta/spool/queue_id.hpp"

namespace mta::spool {

enum class RecordType : std::uint8_t {
  message = 1,       // a new message (or a relocated copy): id, envelope, body
  recipient = 2,     // one recipient's new state
  hold = 3,          // held flag
  remove = 4,        // the message is done (delivered, bounced or deleted)
  delay_warned = 5,  // a delay warning (DSN, action delayed) went to the sender; never another
};

inline constexpr std::size_t kRecordHeaderBytes = 16;
inline constexpr std::uint32_t kRecordMagic = 0x31505352;  // "RSP1"
inline constexpr std::size_t kMaxRecordPayload = std::size_t{1} << 30;

std::uint32_t crc32c(std::string_view data, std::uint32_t crc = 0);

// Header plus payload, ready to append.
std::string encode_record(RecordType type, std::string_view payload);

// unsupported: a whole, intact record (its checksum holds) of a type this version does not know — written
// by a newer relayctl. It is neither damage nor a torn tail, so recovery must not cut it off.
enum class DecodeStatus { ok, incomplete, corrupt, unsupported };
struct DecodedRecord {
  DecodeStatus status = DecodeStatus::corrupt;
  RecordType type{};  // for unsupported, the unknown type as found
  std::string_view payload;
  std::size_t size = 0;  // header + payload bytes consumed
};
// Decodes the record at the start of data. incomplete: data ends inside the record (a torn tail).
DecodedRecord decode_record(std::string_view data);
// Just the header: the payload length and type when the header is sane (for reading in two steps).
std::optional<std::pair<RecordType, std::size_t>> decode_header(std::string_view header);

std::string encode_message(QueueId id, const Envelope& envelope, std::string_view body);
std::string encode_recipient(QueueId id, std::uint32_t index, const RecipientState& state);
std::string encode_hold(QueueId id, bool held);
std::string encode_remove(QueueId id);

// Each returns false when the payload is malformed.
bool decode_message(std::string_view payload, QueueId& id, Envelope& envelope, std::string_view* body);
bool decode_recipient(std::string_view payload, QueueId& id, std::uint32_t& index, RecipientState& state);
bool decode_hold(std::string_view payload, QueueId& id, bool& held);
bool decode_remove(std::string_view payload, QueueId& id);
std::string encode_delay_warned(QueueId id);
bool decode_delay_warned(std::string_view payload, QueueId& id);

}  // namespace mta::spool
