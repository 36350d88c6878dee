// resolver.hpp — the one DNS interface of relayctl: delivery, policy, SPF, DKIM and preflight all ask it.
// query() is a coroutine on the caller's executor and never blocks a thread. Implementations: the network
// stub resolver (ldns wire format over Asio sockets) and MemoryResolver (tests).
// Results distinguish an answer, NXDOMAIN, no data, a temporary failure (SERVFAIL, REFUSED, timeout) and
// a malformed answer; nothing from the network is trusted before it is parsed and matched to the question.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>

namespace dns {

enum class RecordType : std::uint16_t {
  a = 1,
  ns = 2,
  cname = 5,
  soa = 6,
  ptr = 12,
  mx = 15,
  txt = 16,
  aaaa = 28
};
std::string_view to_string(RecordType type);

enum class Status {
  answer,     // records of the asked type exist (records is not empty)
  nxdomain,   // the name does not exist
  nodata,     // the name exists but has no record of the asked type
  temporary,  // SERVFAIL, REFUSED, timeout, network error: the answer may differ later
  malformed,  // an answer arrived but could not be parsed (or no server gave a usable one)
};
std::string_view to_string(Status status);

struct MxData {
  std::uint16_t preference = 0;
  std::string exchange;  // canonical name; "" for the null MX's "."
  friend bool operator==(const MxData&, const MxData&) = default;
};

struct TxtData {
  std::vector<std::string> strings;  // the character-strings of one record, as received
  // The strings concatenated without separators (RFC 7208 §3.3, RFC 6376 §3.6.2.2).
  std::string joined() const;
  friend bool operator==(const TxtData&, const TxtData&) = default;
};

struct NameData {    // PTR, CNAME and NS targets
  std::string name;  // canonical
  friend bool operator==(const NameData&, const NameData&) = default;
};

using RecordData = std::variant<asio::ip::address, MxData, TxtData, NameData>;

struct Record {
  RecordType type = RecordType::a;
  std::uint32_t ttl = 0;
  RecordData data;
};

struct Response {
  Status status = Status::temporary;
  std::vector<Record> records;  // only records of the asked type (after any CNAME chain)
  std::uint32_t ttl = 0;        // how long this response may be cached (negative answers: RFC 2308)
  std::string detail;           // for temporary/malformed: what happened, for messages and logs

  bool ok() const { return status == Status::answer; }
};

class Resolver {
 public:
  virtual ~Resolver() = default;
  // name: any case, with or without the trailing dot. Pass a named string: gcc 12 destroys a braced or
  // conditional temporary passed by value to a coroutine twice (a double free).
  virtual asio::awaitable<Response> query(std::string name, RecordType type) = 0;
};

}  // namespace dns
