#include "dns/resolver/memory_resolver.hpp"

#include "dns/name.hpp"

namespace dns {

namespace {

RecordType type_of(const RecordData& data, RecordType name_type) {
  if (const auto* address = std::get_if<asio::ip::address>(&data))
    return address->is_v4() ? RecordType::a : RecordType::aaaa;
  if (std::holds_alternative<MxData>(data)) return RecordType::mx;
  if (std::holds_alternative<TxtData>(data)) return RecordType::txt;
  return name_type;
}

}  // namespace

void MemoryResolver::add(std::string_view name, RecordData data, std::uint32_t ttl) {
  RecordType type = type_of(data, RecordType::ptr);
  add(name, type, std::move(data), ttl);
}

void MemoryResolver::add(std::string_view name, RecordType type, RecordData data, std::uint32_t ttl) {
  std::lock_guard lock(mutex_);
  std::string key = canonical_name(name);
  names_[key] = true;
  records_.emplace(std::make_pair(key, type), Record{type, ttl, std::move(data)});
}

void MemoryResolver::add_txt(std::string_view name, std::string text) {
  TxtData txt;
  for (std::size_t i = 0; i < text.size() || i == 0; i += 255)
    txt.strings.push_back(text.substr(i, 255));
  add(name, std::move(txt));
}

void MemoryResolver::set_status(std::string_view name, RecordType type, Status status) {
  std::lock_guard lock(mutex_);
  forced_[{canonical_name(name), type}] = status;
}

Response MemoryResolver::answer(std::string_view name, RecordType type) {
  std::lock_guard lock(mutex_);
  ++queries_;
  std::string key = canonical_name(name);
  Response response;
  if (auto forced = forced_.find({key, type}); forced != forced_.end()) {
    response.status = forced->second;
    response.detail = "set by the test";
    return response;
  }
  auto [first, last] = records_.equal_range({key, type});
  for (auto it = first; it != last; ++it)
    response.records.push_back(it->second);
  if (!response.records.empty()) {
    response.status = Status::answer;
    response.ttl = response.records.front().ttl;
  } else {
    response.status = names_.contains(key) ? Status::nodata : Status::nxdomain;
    response.ttl = 300;
  }
  return response;
}

asio::awaitable<Response> MemoryResolver::query(std::string name, RecordType type) {
  co_return answer(name, type);
}

std::size_t MemoryResolver::queries() const {
  std::lock_guard lock(mutex_);
  return queries_;
}

}  // namespace dns
