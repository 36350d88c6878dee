#include "dns/host_port.hpp"

#include <charconv>

#include "dns/name.hpp"

namespace dns {
namespace {

std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || value == 0 || value > 65535) return {};
  return static_cast<std::uint16_t>(value);
}

HostPortResult failure(std::string message) {
  return {std::nullopt, std::move(message)};
}

}  // namespace

std::optional<asio::ip::address> HostPort::ip() const {
  asio::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return std::nullopt;
  return address;
}

std::string HostPort::to_string() const {
  auto address = ip();
  std::string out = (address && address->is_v6()) ? "[" + host + "]" : host;
  return out + ":" + std::to_string(port);
}

HostPortResult parse_host_port(std::string_view text, std::uint16_t default_port, bool allow_names) {
  if (text.empty()) return failure("empty address; expected HOST[:PORT]");
  std::string_view host = text;
  std::optional<std::string_view> port_text;
  if (text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return failure("'[' without ']' in \"" + std::string(text) + "\"");
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return failure("expected ':PORT' after ']' in \"" + std::string(text) + "\"");
      port_text = rest.substr(1);
    }
  } else if (text.find(':') != text.rfind(':')) {
    host = text;  // a bare IPv6 address: several colons, no brackets, no port
  } else if (auto colon = text.find(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }

  HostPort out;
  if (port_text) {
    auto port = parse_port(*port_text);
    if (!port) return failure("bad port \"" + std::string(*port_text) + "\"; expected 1-65535");
    out.port = *port;
  } else if (default_port == 0) {
    return failure("no port in \"" + std::string(text) + "\"; expected HOST:PORT");
  } else {
    out.port = default_port;
  }

  asio::error_code ec;
  auto address = asio::ip::make_address(std::string(host), ec);
  if (!ec) {
    if (text.front() != '[' && address.is_v6() && port_text)
      return failure("IPv6 address with a port must be bracketed, e.g. [::1]:53");
    out.host = address.to_string();
    return {out, {}};
  }
  if (!allow_names) return failure("\"" + std::string(host) + "\" is not an IP address");
  if (!is_valid_hostname(host))
    return failure("\"" + std::string(host) + "\" is neither an IP address nor a host name");
  out.host = canonical_name(host);
  return {out, {}};
}

}  // namespace dns
