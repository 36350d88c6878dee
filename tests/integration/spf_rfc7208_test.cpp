// RFC 7208, section by section, against a real nsd serving tests/fixtures/dns/spf.test.zone: each row is
// a scenario (a name in the zone), the client IP and identities, and the result (and explanation or
// problem) the RFC requires.
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <gtest/gtest.h>

#include "dns/resolver/network_resolver.hpp"
#include "dns/spf/evaluator.hpp"
#include "tests/support/nsd_server.hpp"
#include "tests/support/zone_files.hpp"

namespace {

using dns::spf::Result;

struct Case {
  const char* label;
  const char* ip;
  const char* sender;  // "" = null sender
  Result expected;
  const char* contains = "";  // in the explanation (fail) or the problem (errors)
  const char* helo = "client.example";
  bool helo_identity = false;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.label;
}

std::string at(const char* domain) {
  return std::string("user@") + domain + ".spf.test";
}

const std::string kTruncLocal = std::string(60, 'a') + "." + std::string(60, 'b') + "." +
                                std::string(60, 'c') + "." + std::string(60, 'd');

std::vector<Case> cases() {
  static const std::vector<std::string> senders = [] {
    std::vector<std::string> out;
    for (const char* name :
         {"none",       "several",     "upper",    "spf10",       "nospace",    "split",
          "badmech",    "badcidr",     "leadzero", "tworedirect", "unknownmod", "badmacro",
          "numtop",     "garbage",     "allarg",   "ip4",         "ip6",        "a",
          "acidr",      "adual",       "mx",       "mxcidr",      "nullmx",     "exists",
          "ptr",        "ptrother",    "include",  "incneutral",  "softfail",   "plusall",
          "incnone",    "incperm",     "inctemp",  "redirect",    "redirnone",  "allredirect",
          "noall",      "ten",         "eleven",   "twovoids",    "threevoids", "mx11",
          "ptrlimit",   "selfinclude", "macroi",   "macrodelim",  "macrod",     "macroo",
          "macrov6",    "macroh",      "macrop",   "macroc",      "macrozero",  "exp",
          "expescape",  "expmulti",    "expnone",  "expbadmacro", "expinclude", "expredirect",
          "nonexistent"})
      out.push_back(at(name));
    return out;
  }();
  auto s = [](const char* name) {
    for (const auto& sender : senders)
      if (sender == at(name)) return sender.c_str();
    throw std::logic_error(name);
  };
  static const std::string alice = "alice@macrol.spf.test", bob = "bob@macrol.spf.test",
                           delim = "first-last@macrodelim.spf.test",
                           trunc = kTruncLocal + "@macrotrunc.spf.test", plus = "a+b@expescape.spf.test";
  return {
      // §4.3 initial processing
      {"4_3_single_label_domain_is_none", "192.0.2.10", "user@nodot", Result::none},
      {"4_3_nxdomain_is_none", "192.0.2.10", s("nonexistent"), Result::none},
      // §4.4 record lookup
      {"4_4_dns_error_is_temperror", "192.0.2.10", "user@refused.test", Result::temperror},
      // §4.5 selection
      {"4_5_no_spf_record_is_none", "192.0.2.10", s("none"), Result::none},
      {"4_5_two_records_is_permerror", "192.0.2.10", s("several"), Result::permerror, "more than one"},
      {"4_5_version_is_case_insensitive", "192.0.2.10", s("upper"), Result::pass},
      {"4_5_spf10_is_not_spf1", "192.0.2.10", s("spf10"), Result::none},
      {"4_5_version_needs_a_space", "192.0.2.10", s("nospace"), Result::none},
      {"3_3_strings_are_joined_without_spaces", "192.0.2.10", s("split"), Result::pass},
      // §4.6 syntax, §12
      {"4_6_unknown_mechanism", "192.0.2.10", s("badmech"), Result::permerror, "foo:bar"},
      {"4_6_cidr_over_32", "192.0.2.10", s("badcidr"), Result::permerror},
      {"4_6_cidr_leading_zero", "192.0.2.10", s("leadzero"), Result::permerror},
      {"6_two_redirects", "192.0.2.10", s("tworedirect"), Result::permerror, "more than once"},
      {"6_unknown_modifier_ignored", "192.0.2.10", s("unknownmod"), Result::pass},
      {"7_1_bad_macro_letter", "192.0.2.10", s("badmacro"), Result::permerror},
      {"4_6_numeric_toplabel", "192.0.2.10", s("numtop"), Result::permerror},
      {"4_6_control_characters", "192.0.2.10", s("garbage"), Result::permerror},
      {"5_1_all_takes_no_argument", "192.0.2.10", s("allarg"), Result::permerror},
      // §5 mechanisms
      {"5_6_ip4_match", "192.0.2.10", s("ip4"), Result::pass},
      {"5_6_ip4_no_match", "198.51.100.1", s("ip4"), Result::fail},
      {"5_6_ip4_mapped_client", "::ffff:192.0.2.10", s("ip4"), Result::pass},
      {"5_6_ip6_match", "2001:db8::10", s("ip6"), Result::pass},
      {"5_6_ip6_never_matches_ipv4", "192.0.2.10", s("ip6"), Result::fail},
      {"5_3_a_match", "192.0.2.10", s("a"), Result::pass},
      {"5_3_a_no_match", "192.0.2.11", s("a"), Result::fail},
      {"5_3_a_other_domain_cidr", "192.0.2.20", s("acidr"), Result::pass},
      {"5_3_dual_cidr_ipv4", "192.0.2.99", s("adual"), Result::pass},
      {"5_3_dual_cidr_ipv6_in", "2001:db8::ffff", s("adual"), Result::pass},
      {"5_3_dual_cidr_ipv6_out", "2001:db8:1::1", s("adual"), Result::fail},
      {"5_4_mx_match", "192.0.2.10", s("mx"), Result::pass},
      {"5_4_mx_cidr", "192.0.2.11", s("mxcidr"), Result::pass},
      {"5_4_mx_cidr_out", "192.0.2.12", s("mxcidr"), Result::fail},
      {"5_4_null_mx_matches_nothing", "192.0.2.10", s("nullmx"), Result::fail},
      {"5_7_exists_with_macro", "192.0.2.10", s("exists"), Result::pass},
      {"5_7_exists_no_record", "192.0.2.11", s("exists"), Result::fail},
      {"5_5_ptr_validated", "192.0.2.10", s("ptr"), Result::pass},
      {"5_5_ptr_other_domain", "192.0.2.10", s("ptrother"), Result::fail},
      {"5_5_ptr_no_ptr_record", "192.0.2.99", s("ptr"), Result::fail},
      {"5_2_include_pass", "192.0.2.10", s("include"), Result::pass},
      {"5_2_include_fail_is_no_match", "198.51.100.1", s("include"), Result::fail},
      {"5_2_include_neutral_is_no_match", "192.0.2.10", s("incneutral"), Result::softfail},
      {"5_2_include_none_is_permerror", "192.0.2.10", s("incnone"), Result::permerror},
      {"5_2_include_permerror", "192.0.2.10", s("incperm"), Result::permerror},
      {"5_2_include_temperror", "192.0.2.10", s("inctemp"), Result::temperror},
      {"4_6_2_softfail_qualifier", "192.0.2.10", s("softfail"), Result::softfail},
      {"4_6_2_pass_qualifier", "192.0.2.10", s("plusall"), Result::pass},
      {"4_7_no_match_is_neutral", "192.0.2.10", s("noall"), Result::neutral},
      // §6.1 redirect
      {"6_1_redirect", "192.0.2.10", s("redirect"), Result::pass},
      {"6_1_redirect_fail", "198.51.100.1", s("redirect"), Result::fail},
      {"6_1_redirect_to_none_is_permerror", "192.0.2.10", s("redirnone"), Result::permerror},
      {"6_1_redirect_ignored_after_all", "198.51.100.1", s("allredirect"), Result::neutral},
      // §4.6.4 limits
      {"4_6_4_ten_dns_terms", "192.0.2.10", s("ten"), Result::pass},
      {"4_6_4_eleven_dns_terms", "192.0.2.10", s("eleven"), Result::permerror, "more than 10"},
      {"4_6_4_two_void_lookups", "192.0.2.10", s("twovoids"), Result::pass},
      {"4_6_4_three_void_lookups", "192.0.2.10", s("threevoids"), Result::permerror, "void"},
      {"4_6_4_eleven_mx_names", "192.0.2.10", s("mx11"), Result::permerror, "more than 10 MX"},
      {"4_6_4_ptr_names_past_ten_ignored", "192.0.2.30", s("ptrlimit"), Result::fail},
      {"4_6_4_ptr_tenth_name_used", "192.0.2.31", s("ptrlimit"), Result::pass},
      {"4_6_4_include_loop_ends_at_limit", "192.0.2.10", s("selfinclude"), Result::permerror, "more than 10"},
      // §7 macros
      {"7_3_i_reversed_and_v", "192.0.2.10", s("macroi"), Result::pass},
      {"7_3_l_local_part", "192.0.2.10", alice.c_str(), Result::pass},
      {"7_3_l_other_local_part", "192.0.2.10", bob.c_str(), Result::fail},
      {"7_3_delimiter_and_reverse", "192.0.2.10", delim.c_str(), Result::pass},
      {"7_3_digit_transformer", "192.0.2.10", s("macrod"), Result::pass},
      {"7_3_o_sender_domain", "192.0.2.10", s("macroo"), Result::pass},
      {"7_3_v_and_i_for_ipv6", "2001:db8::10", s("macrov6"), Result::pass},
      {"7_3_h_helo", "192.0.2.10", s("macroh"), Result::pass},
      {"7_3_p_validated_name", "192.0.2.10", s("macrop"), Result::pass},
      {"7_3_c_only_in_exp", "192.0.2.10", s("macroc"), Result::permerror},
      {"7_3_zero_digit_is_permerror", "192.0.2.10", s("macrozero"), Result::permerror},
      {"7_3_long_expansion_loses_left_labels", "192.0.2.10", trunc.c_str(), Result::pass},
      // §6.2 explanations
      {"6_2_exp_with_macros", "192.0.2.10", s("exp"), Result::fail,
       "192.0.2.10 is not allowed by exp.spf.test"},
      {"6_2_exp_escapes_and_exp_only_letters", "192.0.2.99", plus.c_str(), Result::fail,
       "a%2Bb a%b c%20d 192.0.2.99 mx.receiver.test 1700000000"},
      {"6_2_exp_two_txt_gives_default", "192.0.2.10", s("expmulti"), Result::fail, "does not designate"},
      {"6_2_exp_missing_gives_default", "192.0.2.10", s("expnone"), Result::fail, "does not designate"},
      {"6_2_exp_bad_macro_gives_default", "192.0.2.10", s("expbadmacro"), Result::fail, "does not designate"},
      {"6_2_exp_of_include_not_used", "192.0.2.10", s("expinclude"), Result::fail,
       "expinclude.spf.test does not designate"},
      {"6_2_exp_of_redirect_target_used", "192.0.2.10", s("expredirect"), Result::fail,
       "192.0.2.10 is not allowed by exp.spf.test"},
      // §2.3, §2.4, §4.3: identities
      {"2_4_null_sender_uses_helo", "192.0.2.10", "", Result::pass, "", "heloname.spf.test"},
      {"2_3_helo_identity", "192.0.2.10", s("ip4"), Result::pass, "", "heloname.spf.test", true},
      {"2_3_helo_identity_fail", "192.0.2.11", s("ip4"), Result::fail, "", "heloname.spf.test", true},
      {"4_3_missing_local_part_is_postmaster", "192.0.2.10", "pm.spf.test", Result::pass},
  };
}

class Rfc7208 : public ::testing::TestWithParam<Case> {};

TEST_P(Rfc7208, Result) {
  const Case& c = GetParam();
  relay::test::NsdServer nsd(
      {relay::test::fixture_zone("spf.test"), relay::test::fixture_zone("2.0.192.in-addr.arpa")});
  asio::io_context io;
  dns::NetworkResolverOptions options;
  options.servers = {{asio::ip::make_address("127.0.0.1"), nsd.port()}};
  options.timeout = std::chrono::milliseconds(2000);
  dns::NetworkResolver resolver(io.get_executor(), options);
  dns::spf::Request request;
  request.ip = asio::ip::make_address(c.ip);
  request.sender = c.sender;
  request.helo = c.helo;
  request.receiver = "mx.receiver.test";
  request.timestamp = 1700000000;
  auto task =
      c.helo_identity ? dns::spf::check_helo(resolver, request) : dns::spf::check_sender(resolver, request);
  auto future = asio::co_spawn(io, std::move(task), asio::use_future);
  io.run();
  dns::spf::Outcome outcome = future.get();
  EXPECT_EQ(to_string(outcome.result), to_string(c.expected))
      << "problem: " << outcome.problem << "; record: " << outcome.record;
  std::string text = outcome.result == Result::fail ? outcome.explanation : outcome.problem;
  EXPECT_NE(text.find(c.contains), std::string::npos) << "'" << text << "' lacks '" << c.contains << "'";
  EXPECT_LE(outcome.dns_lookups, 11u);
}

INSTANTIATE_TEST_SUITE_P(Sections, Rfc7208, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return std::string(info.param.label); });

}  // namespace
