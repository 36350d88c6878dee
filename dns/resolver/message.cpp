#include "dns/resolver/message.hpp"
#include <stdbool.h>  // before ldns: its common.h would otherwise #define bool/true/false

#include <algorithm>
#include <memory>

#include <ldns/ldns.h>

#include "dns/name.hpp"

namespace dns {

namespace {

struct PktDeleter {
  void operator()(ldns_pkt* pkt) const { ldns_pkt_free(pkt); }
};
struct RdfDeleter {
  void operator()(ldns_rdf* rdf) const { ldns_rdf_deep_free(rdf); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktDeleter>;
using RdfPtr = std::unique_ptr<ldns_rdf, RdfDeleter>;

// A domain name from its wire form: labels joined with '.', lower-cased, without the trailing dot.
// Octets that are not printable or are '.' or '\' are escaped as \DDD (RFC 1035 §5.1), so a name
// can never smuggle a separator.
std::string name_of(const ldns_rdf* rdf) {
  std::string out;
  if (!rdf || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME) return out;
  const std::uint8_t* data = ldns_rdf_data(rdf);
  std::size_t size = ldns_rdf_size(rdf);
  std::size_t pos = 0;
  while (pos < size && data[pos] != 0) {
    std::size_t length = data[pos++];
    if (pos + length > size) break;
    if (!out.empty()) out += '.';
    for (std::size_t i = 0; i < length; ++i) {
      unsigned char c = data[pos + i];
      if (c == '.' || c == '\\' || c <= ' ' || c >= 0x7f) {
        char escaped[5];
        std::snprintf(escaped, sizeof escaped, "\\%03u", c);
        out += escaped;
      } else {
        out += static_cast<char>(c);
      }
    }
    pos += length;
  }
  return canonical_name(out);
}

std::optional<RecordData> data_of(const ldns_rr* rr, RecordType type) {
  auto rdf = [&](std::size_t i) { return ldns_rr_rdf(rr, i); };
  switch (type) {
    case RecordType::a: {
      const ldns_rdf* r = rdf(0);
      if (!r || ldns_rdf_size(r) != 4) return std::nullopt;
      asio::ip::address_v4::bytes_type bytes;
      std::copy_n(ldns_rdf_data(r), 4, bytes.begin());
      return asio::ip::address(asio::ip::address_v4(bytes));
    }
    case RecordType::aaaa: {
      const ldns_rdf* r = rdf(0);
      if (!r || ldns_rdf_size(r) != 16) return std::nullopt;
      asio::ip::address_v6::bytes_type bytes;
      std::copy_n(ldns_rdf_data(r), 16, bytes.begin());
      return asio::ip::address(asio::ip::address_v6(bytes));
    }
    case RecordType::mx: {
      if (ldns_rr_rd_count(rr) != 2 || ldns_rdf_size(rdf(0)) != 2) return std::nullopt;
      return MxData{ldns_rdf2native_int16(rdf(0)), name_of(rdf(1))};
    }
    case RecordType::txt: {
      TxtData txt;
      for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
        const ldns_rdf* r = rdf(i);
        std::size_t size = ldns_rdf_size(r);
        const std::uint8_t* data = ldns_rdf_data(r);
        if (size == 0 || data[0] != size - 1) return std::nullopt;
        txt.strings.emplace_back(reinterpret_cast<const char*>(data + 1), size - 1);
      }
      return txt;
    }
    case RecordType::ptr:
    case RecordType::cname:
    case RecordType::ns: {
      if (ldns_rr_rd_count(rr) != 1) return std::nullopt;
      return NameData{name_of(rdf(0))};
    }
    case RecordType::soa:
      return std::nullopt;
  }
  return std::nullopt;
}

// RFC 2308 §5: a negative answer lives for min(SOA TTL, SOA MINIMUM); without an SOA it is not cached.
std::uint32_t negative_ttl(const ldns_pkt* pkt) {
  const ldns_rr_list* authority = ldns_pkt_authority(pkt);
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(authority); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(authority, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA || ldns_rr_rd_count(rr) != 7) continue;
    std::uint32_t minimum = ldns_rdf2native_int32(ldns_rr_rdf(rr, 6));
    return std::min({ldns_rr_ttl(rr), minimum, kMaxNegativeTtl});
  }
  return 0;
}

bool same_name(const ldns_rdf* a, const ldns_rdf* b) {
  return a && b && ldns_dname_compare(a, b) == 0;
}

Response answer_of(const ldns_pkt* pkt, const ldns_rdf* qname, RecordType type) {
  Response response;
  ldns_pkt_rcode rcode = ldns_pkt_get_rcode(pkt);
  if (rcode == LDNS_RCODE_NXDOMAIN) {
    response.status = Status::nxdomain;
    response.ttl = negative_ttl(pkt);
    return response;
  }
  if (rcode != LDNS_RCODE_NOERROR) {
    response.status = Status::temporary;
    ldns_lookup_table* entry = ldns_lookup_by_id(ldns_rcodes, rcode);
    response.detail = std::string("the server answered ") + (entry ? entry->name : "an error");
    return response;
  }
  const ldns_rr_list* answer = ldns_pkt_answer(pkt);
  const ldns_rdf* current = qname;
  for (unsigned step = 0; step <= kMaxCnameChain; ++step) {
    const ldns_rdf* next = nullptr;
    std::uint32_t min_ttl = UINT32_MAX;
    for (std::size_t i = 0; i < ldns_rr_list_rr_count(answer); ++i) {
      const ldns_rr* rr = ldns_rr_list_rr(answer, i);
      if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN || !same_name(ldns_rr_owner(rr), current)) continue;
      auto rr_type = static_cast<std::uint16_t>(ldns_rr_get_type(rr));
      if (rr_type == static_cast<std::uint16_t>(type)) {
        auto data = data_of(rr, type);
        if (!data) {
          response.status = Status::malformed;
          response.detail = "a " + std::string(to_string(type)) + " record with bad data";
          return response;
        }
        response.records.push_back(Record{type, ldns_rr_ttl(rr), std::move(*data)});
        min_ttl = std::min(min_ttl, ldns_rr_ttl(rr));
      } else if (rr_type == LDNS_RR_TYPE_CNAME && ldns_rr_rd_count(rr) == 1) {
        next = ldns_rr_rdf(rr, 0);
      }
    }
    if (!response.records.empty()) {
      response.status = Status::answer;
      response.ttl = min_ttl;
      return response;
    }
    if (!next) {
      response.status = Status::nodata;
      response.ttl = negative_ttl(pkt);
      return response;
    }
    current = next;
  }
  response.status = Status::malformed;
  response.detail = "CNAME chain longer than " + std::to_string(kMaxCnameChain) + " (or a loop)";
  return response;
}

}  // namespace

std::optional<std::vector<std::uint8_t>> build_query(std::uint16_t id, const std::string& name,
                                                     RecordType type) {
  std::string text = name.empty() ? "." : name;
  if (text.size() > 254 || (text.size() == 254 && text.back() != '.')) return std::nullopt;
  RdfPtr qname(ldns_dname_new_frm_str(text.c_str()));
  if (!qname) return std::nullopt;
  PktPtr pkt(ldns_pkt_query_new(qname.release(), static_cast<ldns_rr_type>(type), LDNS_RR_CLASS_IN, LDNS_RD));
  if (!pkt) return std::nullopt;
  ldns_pkt_set_id(pkt.get(), id);
  ldns_pkt_set_edns_udp_size(pkt.get(), kEdnsPayload);
  std::uint8_t* wire = nullptr;
  std::size_t size = 0;
  if (ldns_pkt2wire(&wire, pkt.get(), &size) != LDNS_STATUS_OK) return std::nullopt;
  std::vector<std::uint8_t> out(wire, wire + size);
  std::free(wire);
  return out;
}

ParsedReply parse_reply(std::span<const std::uint8_t> wire, std::uint16_t id, const std::string& name,
                        RecordType type) {
  ParsedReply reply;
  if (wire.size() < 12) return reply;
  ldns_pkt* raw = nullptr;
  if (ldns_wire2pkt(&raw, wire.data(), wire.size()) != LDNS_STATUS_OK || !raw) return reply;
  PktPtr pkt(raw);
  std::string text = name.empty() ? "." : name;
  RdfPtr qname(ldns_dname_new_frm_str(text.c_str()));
  const ldns_rr_list* question = ldns_pkt_question(pkt.get());
  if (!qname || ldns_pkt_id(pkt.get()) != id || !ldns_pkt_qr(pkt.get()) ||
      ldns_pkt_get_opcode(pkt.get()) != LDNS_PACKET_QUERY || ldns_rr_list_rr_count(question) != 1) {
    reply.verdict = ParsedReply::Verdict::mismatch;
    return reply;
  }
  const ldns_rr* q = ldns_rr_list_rr(question, 0);
  if (!same_name(ldns_rr_owner(q), qname.get()) || ldns_rr_get_type(q) != static_cast<ldns_rr_type>(type) ||
      ldns_rr_get_class(q) != LDNS_RR_CLASS_IN) {
    reply.verdict = ParsedReply::Verdict::mismatch;
    return reply;
  }
  reply.verdict = ParsedReply::Verdict::ours;
  reply.truncated = ldns_pkt_tc(pkt.get());
  if (!reply.truncated) reply.response = answer_of(pkt.get(), qname.get(), type);
  return reply;
}

}  // namespace dns
