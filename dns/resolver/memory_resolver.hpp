// memory_resolver.hpp — a Resolver answering from records held in memory, for unit tests of everything
// that uses DNS. Names that were never added answer NXDOMAIN; a name with records of other types answers
// NODATA; set_status() makes a name answer SERVFAIL-like (temporary) or malformed. Counts queries, so tests
// can check lookup limits (SPF's 10) and caching.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "dns/resolver/resolver.hpp"

namespace dns {

class MemoryResolver : public Resolver {
 public:
  // The type follows from data (an address is A or AAAA); NameData needs the explicit form (PTR, CNAME, NS).
  void add(std::string_view name, RecordData data, std::uint32_t ttl = 300);
  void add(std::string_view name, RecordType type, RecordData data, std::uint32_t ttl = 300);
  void add_txt(std::string_view name, std::string text);  // one record, one string (split at 255 octets)
  void set_status(std::string_view name, RecordType type, Status status);

  asio::awaitable<Response> query(std::string name, RecordType type) override;
  Response answer(std::string_view name, RecordType type);  // the same, synchronously

  std::size_t queries() const;

 private:
  mutable std::mutex mutex_;
  std::multimap<std::pair<std::string, RecordType>, Record> records_;
  std::map<std::pair<std::string, RecordType>, Status> forced_;
  std::map<std::string, bool> names_;
  std::size_t queries_ = 0;
};

}  // namespace dns
