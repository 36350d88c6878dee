#include "mta/spool/record.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace mta::spool {
namespace {

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k)
      c = (c & 1) ? 0x82F63B78u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr auto kCrcTable = make_crc_table();

class Writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(std::uint16_t v) { put(v, 2); }
  void u32(std::uint32_t v) { put(v, 4); }
  void u64(std::uint64_t v) { put(v, 8); }
  void i64(std::int64_t v) { put(static_cast<std::uint64_t>(v), 8); }
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }
  void raw(std::string_view s) { out_.append(s); }
  std::string take() { return std::move(out_); }

 private:
  void put(std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
      out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool u8(std::uint8_t& v) {
    std::uint64_t x;
    if (!get(x, 1)) return false;
    v = static_cast<std::uint8_t>(x);
    return true;
  }
  bool u16(std::uint16_t& v) {
    std::uint64_t x;
    if (!get(x, 2)) return false;
    v = static_cast<std::uint16_t>(x);
    return true;
  }
  bool u32(std::uint32_t& v) {
    std::uint64_t x;
    if (!get(x, 4)) return false;
    v = static_cast<std::uint32_t>(x);
    return true;
  }
  bool u64(std::uint64_t& v) { return get(v, 8); }
  bool i64(std::int64_t& v) {
    std::uint64_t x;
    if (!get(x, 8)) return false;
    v = static_cast<std::int64_t>(x);
    return true;
  }
  bool str(std::string& s) {
    std::uint32_t n;
    if (!u32(n) || n > in_.size()) return false;
    s.assign(in_.substr(0, n));
    in_.remove_prefix(n);
    return true;
  }
  bool view(std::size_t n, std::string_view& s) {
    if (n > in_.size()) return false;
    s = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool id(QueueId& id) {
    std::uint64_t v;
    if (!u64(v) || v == 0) return false;
    id = QueueId(v);
    return true;
  }
  bool done() const { return in_.empty(); }
  std::size_t left() const { return in_.size(); }

 private:
  bool get(std::uint64_t& v, int bytes) {
    if (in_.size() < static_cast<std::size_t>(bytes)) return false;
    v = 0;
    for (int i = 0; i < bytes; ++i)
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in_[static_cast<std::size_t>(i)]))
           << (8 * i);
    in_.remove_prefix(static_cast<std::size_t>(bytes));
    return true;
  }
  std::string_view in_;
};

void write_state(Writer& w, const RecipientState& s) {
  w.u8(static_cast<std::uint8_t>(s.status));
  w.u16(s.attempts);
  w.i64(s.next_attempt);
  w.u8(static_cast<std::uint8_t>(s.route.kind));
  w.str(s.route.target);
}

bool read_state(Reader& r, RecipientState& s) {
  std::uint8_t status, kind;
  if (!r.u8(status) || status > 2 || !r.u16(s.attempts) || !r.i64(s.next_attempt) || !r.u8(kind) ||
      kind > 1 || !r.str(s.route.target))
    return false;
  s.status = static_cast<RecipientStatus>(status);
  s.route.kind = static_cast<RouteKind>(kind);
  return true;
}

std::uint32_t load32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

}  // namespace

namespace {

std::uint32_t crc32c_table(const unsigned char* p, std::size_t n, std::uint32_t crc) {
  while (n--)
    crc = kCrcTable[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
// The SSE 4.2 crc32 instruction computes CRC-32C, 8 bytes at a time: the checksum of every spooled byte
// is on the accept path.
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(const unsigned char* p, std::size_t n,
                                                             std::uint32_t crc) {
  std::uint64_t wide = crc;
  for (; n >= 8; n -= 8, p += 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    wide = _mm_crc32_u64(wide, word);
  }
  crc = static_cast<std::uint32_t>(wide);
  for (; n > 0; --n)
    crc = _mm_crc32_u8(crc, *p++);
  return crc;
}
#endif

}  // namespace

std::uint32_t crc32c(std::string_view data, std::uint32_t crc) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
#if defined(__x86_64__)
  static const bool hardware = __builtin_cpu_supports("sse4.2");
  if (hardware) return ~crc32c_sse42(p, data.size(), ~crc);
#endif
  return ~crc32c_table(p, data.size(), ~crc);
}

std::string encode_record(RecordType type, std::string_view payload) {
  Writer w;
  w.u32(kRecordMagic);
  w.u8(static_cast<std::uint8_t>(type));
  w.u8(0);
  w.u16(0);
  w.u32(static_cast<std::uint32_t>(payload.size()));
  std::string header = w.take();
  std::uint32_t crc = crc32c(std::string_view(header).substr(4, 8));
  crc = crc32c(payload, crc);
  Writer c;
  c.u32(crc);
  header += c.take();
  header.append(payload);
  return header;
}

namespace {

bool known_type(unsigned char type) {
  return type >= static_cast<unsigned char>(RecordType::message) &&
         type <= static_cast<unsigned char>(RecordType::delay_warned);
}

// The header's framing (magic, reserved bytes, length) whatever its type.
std::optional<std::pair<unsigned char, std::size_t>> decode_frame(std::string_view header) {
  if (header.size() < kRecordHeaderBytes || load32(header.data()) != kRecordMagic) return std::nullopt;
  auto type = static_cast<unsigned char>(header[4]);
  if (type == 0 || header[5] != 0 || header[6] != 0 || header[7] != 0) return std::nullopt;
  std::size_t length = load32(header.data() + 8);
  if (length > kMaxRecordPayload) return std::nullopt;
  return std::pair{type, length};
}

}  // namespace

std::optional<std::pair<RecordType, std::size_t>> decode_header(std::string_view header) {
  auto frame = decode_frame(header);
  if (!frame || !known_type(frame->first)) return std::nullopt;
  return std::pair{static_cast<RecordType>(frame->first), frame->second};
}

DecodedRecord decode_record(std::string_view data) {
  DecodedRecord out;
  if (data.size() < kRecordHeaderBytes) {
    out.status = DecodeStatus::incomplete;
    return out;
  }
  auto header = decode_frame(data);
  if (!header) return out;
  if (data.size() - kRecordHeaderBytes < header->second) {
    out.status = DecodeStatus::incomplete;
    return out;
  }
  std::string_view payload = data.substr(kRecordHeaderBytes, header->second);
  std::uint32_t crc = crc32c(payload, crc32c(data.substr(4, 8)));
  if (crc != load32(data.data() + 12)) return out;
  out.status = known_type(header->first) ? DecodeStatus::ok : DecodeStatus::unsupported;
  out.type = static_cast<RecordType>(header->first);
  out.payload = payload;
  out.size = kRecordHeaderBytes + header->second;
  return out;
}

std::string encode_message(QueueId id, const Envelope& e, std::string_view body) {
  Writer env;
  env.str(e.sender);
  env.i64(e.received_at);
  env.str(e.client_address);
  env.str(e.helo);
  env.str(e.auth_user);
  env.str(e.listener);
  // Flags: bit 0 held, bit 1 delay warning sent (spools written before the delay warning hold 0 or 1),
  // bit 2 a DSN block follows the recipients (RFC 3461 parameters; only when the sender gave some, so
  // other messages are written as before).
  bool dsn = e.ret != 0 || !e.envid.empty() ||
             std::any_of(e.recipients.begin(), e.recipients.end(),
                         [](const Recipient& r) { return r.notify != 0 || !r.orcpt.empty(); });
  env.u8(static_cast<std::uint8_t>((e.held ? 1 : 0) | (e.delay_warned ? 2 : 0) | (dsn ? 4 : 0)));
  env.u32(static_cast<std::uint32_t>(e.recipients.size()));
  for (const auto& r : e.recipients) {
    env.str(r.address);
    write_state(env, r.state);
  }
  if (dsn) {
    env.u8(e.ret);
    env.str(e.envid);
    for (const auto& r : e.recipients) {
      env.u8(r.notify);
      env.str(r.orcpt);
    }
  }
  Writer w;
  w.u64(id.value());
  w.str(env.take());
  w.u64(body.size());
  w.raw(body);
  return w.take();
}

bool decode_message(std::string_view payload, QueueId& id, Envelope& e, std::string_view* body) {
  Reader r(payload);
  std::string env_bytes;
  if (!r.id(id) || !r.str(env_bytes)) return false;
  Reader env(env_bytes);
  std::uint8_t flags;
  std::uint32_t count;
  if (!env.str(e.sender) || !env.i64(e.received_at) || !env.str(e.client_address) || !env.str(e.helo) ||
      !env.str(e.auth_user) || !env.str(e.listener) || !env.u8(flags) || !env.u32(count) || flags > 7)
    return false;
  e.held = (flags & 1) != 0;
  e.delay_warned = (flags & 2) != 0;
  if (count > env.left()) return false;
  e.recipients.clear();
  e.recipients.resize(count);
  for (auto& rcpt : e.recipients)
    if (!env.str(rcpt.address) || !read_state(env, rcpt.state)) return false;
  e.ret = 0;
  e.envid.clear();
  if (flags & 4) {
    if (!env.u8(e.ret) || e.ret > 2 || !env.str(e.envid)) return false;
    for (auto& rcpt : e.recipients)
      if (!env.u8(rcpt.notify) || rcpt.notify > 15 || !env.str(rcpt.orcpt)) return false;
  }
  if (!env.done()) return false;
  std::uint64_t body_size;
  std::string_view body_view;
  if (!r.u64(body_size) || !r.view(body_size, body_view) || !r.done()) return false;
  if (body) *body = body_view;
  return true;
}

std::string encode_recipient(QueueId id, std::uint32_t index, const RecipientState& state) {
  Writer w;
  w.u64(id.value());
  w.u32(index);
  write_state(w, state);
  return w.take();
}

bool decode_recipient(std::string_view payload, QueueId& id, std::uint32_t& index, RecipientState& state) {
  Reader r(payload);
  return r.id(id) && r.u32(index) && read_state(r, state) && r.done();
}

std::string encode_hold(QueueId id, bool held) {
  Writer w;
  w.u64(id.value());
  w.u8(held ? 1 : 0);
  return w.take();
}

bool decode_hold(std::string_view payload, QueueId& id, bool& held) {
  Reader r(payload);
  std::uint8_t h;
  if (!r.id(id) || !r.u8(h) || !r.done() || h > 1) return false;
  held = h == 1;
  return true;
}

std::string encode_remove(QueueId id) {
  Writer w;
  w.u64(id.value());
  return w.take();
}

bool decode_remove(std::string_view payload, QueueId& id) {
  Reader r(payload);
  return r.id(id) && r.done();
}

// The same payload as remove: the id.
std::string encode_delay_warned(QueueId id) {
  return encode_remove(id);
}

bool decode_delay_warned(std::string_view payload, QueueId& id) {
  return decode_remove(payload, id);
}

}  // namespace mta::spool
