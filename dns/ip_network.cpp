#include "dns/ip_network.hpp"

#include <array>
#include <charconv>

namespace dns {
namespace {

template <std::size_t N>
bool prefix_equal(const std::array<unsigned char, N>& a, const std::array<unsigned char, N>& b,
                  unsigned bits) {
  for (std::size_t i = 0; i < N && bits > 0; ++i) {
    unsigned take = bits >= 8 ? 8 : bits;
    unsigned char mask = static_cast<unsigned char>(0xFF << (8 - take));
    if ((a[i] & mask) != (b[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

}  // namespace

asio::ip::address unmap_v4(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  return address;
}

IpNetwork::IpNetwork(asio::ip::address address, unsigned prefix_length)
    : address_(unmap_v4(address)), prefix_length_(prefix_length) {}

std::optional<IpNetwork> IpNetwork::parse(std::string_view text) {
  std::string_view address_text = text;
  std::optional<unsigned> length;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    address_text = text.substr(0, slash);
    std::string_view length_text = text.substr(slash + 1);
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(length_text.data(), length_text.data() + length_text.size(), value);
    if (length_text.empty() || ec != std::errc{} || ptr != length_text.data() + length_text.size() ||
        (length_text.size() > 1 && length_text.front() == '0'))
      return std::nullopt;
    length = value;
  }
  asio::error_code ec;
  auto address = asio::ip::make_address(std::string(address_text), ec);
  if (ec) return std::nullopt;
  unsigned max = address.is_v4() ? 32 : 128;
  if (length && *length > max) return std::nullopt;
  unsigned prefix = length.value_or(max);
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {  // stored as IPv4: drop the ::ffff:0:0/96 part
    if (prefix < 96) return std::nullopt;
    prefix -= 96;
  }
  return IpNetwork(address, prefix);
}

bool IpNetwork::contains(const asio::ip::address& candidate) const {
  auto other = unmap_v4(candidate);
  if (address_.is_v4() != other.is_v4()) return false;
  if (address_.is_v4())
    return prefix_equal(address_.to_v4().to_bytes(), other.to_v4().to_bytes(), prefix_length_);
  return prefix_equal(address_.to_v6().to_bytes(), other.to_v6().to_bytes(), prefix_length_);
}

std::string IpNetwork::to_string() const {
  return address_.to_string() + "/" + std::to_string(prefix_length_);
}

}  // namespace dns
