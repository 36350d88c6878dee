#include "dns/resolver/resolver.hpp"

namespace dns {

std::string_view to_string(RecordType type) {
  switch (type) {
    case RecordType::a:
      return "A";
    case RecordType::ns:
      return "NS";
    case RecordType::cname:
      return "CNAME";
    case RecordType::soa:
      return "SOA";
    case RecordType::ptr:
      return "PTR";
    case RecordType::mx:
      return "MX";
    case RecordType::txt:
      return "TXT";
    case RecordType::aaaa:
      return "AAAA";
  }
  return "?";
}

std::string_view to_string(Status status) {
  switch (status) {
    case Status::answer:
      return "answer";
    case Status::nxdomain:
      return "nxdomain";
    case Status::nodata:
      return "nodata";
    case Status::temporary:
      return "temporary";
    case Status::malformed:
      return "malformed";
  }
  return "?";
}

std::string TxtData::joined() const {
  std::string out;
  for (const auto& s : strings)
    out += s;
  return out;
}

}  // namespace dns
