#include "dns/spf/record.hpp"

#include <algorithm>
#include <charconv>

#include <asio/ip/address.hpp>

#include "dns/ascii.hpp"
#include "dns/spf/macro.hpp"

namespace dns::spf {

namespace {

// "/" ( "0" / %x31-39 0*2DIGIT ): no leading zeros, at most `max`.
std::optional<unsigned> parse_length(std::string_view digits, unsigned max) {
  if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
  unsigned value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size() || value > max) return std::nullopt;
  return value;
}

// toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
bool valid_toplabel(std::string_view label) {
  if (label.empty() || label.front() == '-' || label.back() == '-') return false;
  bool alpha = false;
  for (char c : label) {
    if (std::isalpha(static_cast<unsigned char>(c)))
      alpha = true;
    else if (!std::isdigit(static_cast<unsigned char>(c)) && c != '-')
      return false;
  }
  return alpha || label.find('-') != std::string_view::npos;
}

// domain-spec = macro-string domain-end; domain-end = ( "." toplabel [ "." ] ) / macro-expand
bool valid_domain_spec(std::string_view spec, std::string& error) {
  if (spec.empty()) {
    error = "an empty domain";
    return false;
  }
  if (!valid_macro_string(spec, MacroUse::domain_spec, &error)) return false;
  if (spec.back() == '}') return true;
  std::string_view name = spec;
  if (name.back() == '.') name.remove_suffix(1);
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos || !valid_toplabel(name.substr(dot + 1))) {
    error = "'" + std::string(spec) + "' does not end in a valid top-level label";
    return false;
  }
  return true;
}

// [ ip4-cidr-length ] [ "/" ip6-cidr-length ], from the text after the domain part.
bool parse_dual_cidr(std::string_view text, Mechanism& mechanism) {
  if (text.empty()) return true;
  auto double_slash = text.find("//");
  std::string_view v4 = text.substr(0, double_slash);
  if (!v4.empty()) {
    auto length = v4[0] == '/' ? parse_length(v4.substr(1), 32) : std::nullopt;
    if (!length) return false;
    mechanism.cidr4 = *length;
  }
  if (double_slash == std::string_view::npos) return true;
  auto length = parse_length(text.substr(double_slash + 2), 128);
  if (!length) return false;
  mechanism.cidr6 = *length;
  return true;
}

// Splits "domain-spec/cidr" where the CIDR part starts at the first '/' followed only by the CIDR syntax.
std::pair<std::string_view, std::string_view> split_cidr(std::string_view argument) {
  for (std::size_t i = 0; i < argument.size(); ++i) {
    if (argument[i] != '/') continue;
    std::string_view tail = argument.substr(i);
    bool cidr_chars = tail.find_first_not_of("/0123456789") == std::string_view::npos;
    if (cidr_chars) return {argument.substr(0, i), tail};
  }
  return {argument, {}};
}

std::optional<IpNetwork> parse_network(std::string_view text, bool v6, std::string& error) {
  auto slash = text.find('/');
  std::string address(text.substr(0, slash));
  asio::error_code ec;
  auto ip = asio::ip::make_address(address, ec);
  if (ec || ip.is_v6() != v6 || (v6 && ip.to_v6().scope_id() != 0) ||
      (!v6 && std::count(address.begin(), address.end(), '.') != 3)) {
    error = "'" + address + "' is not an IPv" + (v6 ? "6" : "4") + " address";
    return std::nullopt;
  }
  unsigned length = v6 ? 128 : 32;
  if (slash != std::string_view::npos) {
    auto parsed = parse_length(text.substr(slash + 1), length);
    if (!parsed) {
      error = "bad prefix length in '" + std::string(text) + "'";
      return std::nullopt;
    }
    length = *parsed;
  }
  return IpNetwork(ip, length);
}

std::optional<Mechanism> parse_mechanism(std::string_view term, std::string& error) {
  Mechanism mechanism;
  mechanism.text = std::string(term);
  switch (term.empty() ? ' ' : term[0]) {
    case '+':
      term.remove_prefix(1);
      break;
    case '-':
      mechanism.qualifier = Qualifier::fail;
      term.remove_prefix(1);
      break;
    case '~':
      mechanism.qualifier = Qualifier::softfail;
      term.remove_prefix(1);
      break;
    case '?':
      mechanism.qualifier = Qualifier::neutral;
      term.remove_prefix(1);
      break;
    default:
      break;
  }
  auto name_end = term.find_first_of(":/");
  std::string name = ascii::lowered(term.substr(0, name_end));
  std::string_view rest = name_end == std::string_view::npos ? std::string_view{} : term.substr(name_end);
  bool has_colon = !rest.empty() && rest[0] == ':';
  std::string_view argument = has_colon ? rest.substr(1) : std::string_view{};

  auto need_domain = [&](MechanismKind kind) -> std::optional<Mechanism> {
    mechanism.kind = kind;
    if (!has_colon || !valid_domain_spec(argument, error)) {
      if (error.empty()) error = "'" + name + "' needs ':domain'";
      return std::nullopt;
    }
    mechanism.domain_spec = std::string(argument);
    return mechanism;
  };
  if (name == "all") {
    if (!rest.empty()) {
      error = "'all' takes no argument";
      return std::nullopt;
    }
    mechanism.kind = MechanismKind::all;
    return mechanism;
  }
  if (name == "include") return need_domain(MechanismKind::include);
  if (name == "exists") return need_domain(MechanismKind::exists);
  if (name == "a" || name == "mx") {
    mechanism.kind = name == "a" ? MechanismKind::a : MechanismKind::mx;
    std::string_view domain, cidr;
    if (has_colon) {
      std::tie(domain, cidr) = split_cidr(argument);
      if (!valid_domain_spec(domain, error)) return std::nullopt;
      mechanism.domain_spec = std::string(domain);
    } else {
      cidr = rest;
    }
    if (!parse_dual_cidr(cidr, mechanism)) {
      error = "bad CIDR length in '" + mechanism.text + "'";
      return std::nullopt;
    }
    return mechanism;
  }
  if (name == "ptr") {
    mechanism.kind = MechanismKind::ptr;
    if (!rest.empty() && !has_colon) {
      error = "'ptr' takes no CIDR length";
      return std::nullopt;
    }
    if (has_colon) {
      if (!valid_domain_spec(argument, error)) return std::nullopt;
      mechanism.domain_spec = std::string(argument);
    }
    return mechanism;
  }
  if (name == "ip4" || name == "ip6") {
    bool v6 = name == "ip6";
    mechanism.kind = v6 ? MechanismKind::ip6 : MechanismKind::ip4;
    if (!has_colon) {
      error = "'" + name + "' needs ':address'";
      return std::nullopt;
    }
    mechanism.network = parse_network(argument, v6, error);
    if (!mechanism.network) return std::nullopt;
    return mechanism;
  }
  error = "unknown mechanism '" + std::string(term) + "'";
  return std::nullopt;
}

bool valid_name(std::string_view name) {  // name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
  if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

}  // namespace

bool is_spf_record(std::string_view text) {
  return text.size() >= 6 && ascii::iequals(text.substr(0, 6), "v=spf1") && (text.size() == 6 || text[6] == ' ');
}

ParsedRecord parse_record(std::string_view text) {
  ParsedRecord result;
  if (!is_spf_record(text)) {
    result.error = "the record does not start with 'v=spf1'";
    return result;
  }
  Record record;
  std::size_t pos = 6;
  while (pos < text.size()) {
    if (text[pos] == ' ') {
      ++pos;
      continue;
    }
    std::size_t end = text.find(' ', pos);
    std::string_view term =
        text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? text.size() : end;

    auto equals = term.find('=');
    auto colon_or_slash = term.find_first_of(":/");
    bool modifier = equals != std::string_view::npos &&
                    (colon_or_slash == std::string_view::npos || equals < colon_or_slash);
    if (modifier) {
      std::string name = ascii::lowered(term.substr(0, equals));
      std::string value(term.substr(equals + 1));
      if (!valid_name(name)) {
        result.error = "'" + std::string(term) + "' is not a valid modifier";
        return result;
      }
      std::string error;
      if (name == "redirect" || name == "exp") {
        auto& slot = name == "redirect" ? record.redirect : record.exp;
        if (slot) {
          result.error = "'" + name + "=' appears more than once";
          return result;
        }
        if (!valid_domain_spec(value, error)) {
          result.error = "'" + std::string(term) + "': " + error;
          return result;
        }
        slot = value;
      } else {
        if (!valid_macro_string(value, MacroUse::domain_spec, &error)) {
          result.error = "'" + std::string(term) + "': " + error;
          return result;
        }
        record.unknown_modifiers.push_back({name, value});
      }
      continue;
    }
    std::string error;
    auto mechanism = parse_mechanism(term, error);
    if (!mechanism) {
      result.error = "'" + std::string(term) + "': " + error;
      return result;
    }
    record.mechanisms.push_back(std::move(*mechanism));
  }
  result.record = std::move(record);
  return result;
}

Selection select_record(const std::vector<std::string>& txt_records) {
  Selection selection;
  for (const auto& text : txt_records) {
    if (!is_spf_record(text)) continue;
    if (selection.kind == Selection::Kind::one) {
      selection.kind = Selection::Kind::several;
      return selection;
    }
    selection.kind = Selection::Kind::one;
    selection.record = text;
  }
  return selection;
}

std::string_view to_string(Qualifier qualifier) {
  switch (qualifier) {
    case Qualifier::pass:
      return "pass";
    case Qualifier::fail:
      return "fail";
    case Qualifier::softfail:
      return "softfail";
    case Qualifier::neutral:
      return "neutral";
  }
  return "?";
}

}  // namespace dns::spf
