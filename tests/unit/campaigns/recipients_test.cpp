// The recipients CSV: quoted fields, embedded commas and line breaks, a BOM, CRLF and LF, UTF-8 local
// parts; malformed, invalid, duplicate and suppressed rows skipped with their line and reason; header
// errors; stable recipient ids.
#include "campaigns/campaign/recipients.hpp"

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "campaigns/suppression/memory_suppression_store.hpp"

namespace campaigns {
namespace {

struct Row {
  std::size_t line;
  std::string outcome;  // "ok EMAIL" or the skip reason
  friend bool operator==(const Row&, const Row&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Row& r) { return os << r.line << ":" << r.outcome; }
};

struct ListCase {
  std::string label;
  std::string csv;
  std::vector<Row> expected;
};

void suppress(MemorySuppressionStore& store) {
  store.add({*SuppressionTarget::parse("gone@example.com").target, Reason::unsubscribe, "test", {}});
  store.add({*SuppressionTarget::parse("@blocked.test").target, Reason::complaint, "test", {}});
}

std::vector<Row> read_all(const std::string& csv, std::vector<RecipientRow>* rows = nullptr) {
  MemorySuppressionStore store;
  suppress(store);
  std::istringstream in(csv);
  RecipientReader reader(in, store);
  EXPECT_EQ(reader.header_error(), "");
  std::vector<Row> out;
  RecipientRow row;
  while (reader.next(row)) {
    out.push_back({row.line, row.skip ? std::string(to_string(*row.skip)) : "ok " + row.address.str()});
    if (rows) rows->push_back(row);
  }
  return out;
}

class RecipientList : public ::testing::TestWithParam<ListCase> {};

TEST_P(RecipientList, RowsAndReasons) {
  EXPECT_EQ(read_all(GetParam().csv), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, RecipientList,
    ::testing::Values(
        ListCase{"lf", "email,name\na@x.test,A\nb@x.test,B\n", {{2, "ok a@x.test"}, {3, "ok b@x.test"}}},
        ListCase{"crlf_bom",
                 "\xEF\xBB\xBF"
                 "Email,Name\r\na@x.test,A\r\n",
                 {{2, "ok a@x.test"}}},
        ListCase{"quoted_comma_newline",
                 "name,email\n\"Doe, J\nline 2\",a@x.test\nB,b@x.test\n",
                 {{2, "ok a@x.test"}, {4, "ok b@x.test"}}},
        ListCase{"blank_lines", "email\n\na@x.test\n\n", {{3, "ok a@x.test"}}},
        ListCase{"utf8_local", "email\njosé@x.test\n", {{2, "ok josé@x.test"}}},
        ListCase{"domain_case_folded", "email\na@X.Test\n", {{2, "ok a@x.test"}}},
        ListCase{"invalid",
                 "email\nnot-an-address\n\"\"\na@[192.0.2.1]\n",
                 {{2, "invalid address"}, {3, "invalid address"}, {4, "invalid address"}}},
        ListCase{"duplicate_letter_case",
                 "email\na@x.test\nA@x.test\na@X.TEST\n",
                 {{2, "ok a@x.test"}, {3, "duplicate"}, {4, "duplicate"}}},
        ListCase{"suppressed",
                 "email\nGone@Example.com\nany@blocked.test\nok@x.test\n",
                 {{2, "suppressed"}, {3, "suppressed"}, {4, "ok ok@x.test"}}},
        ListCase{"cell_count",
                 "email,name\na@x.test\nb@x.test,B,extra\n",
                 {{2, "malformed row"}, {3, "malformed row"}}},
        ListCase{"broken_quote", "email,name\na@x.test,\"B\nb@x.test,B\n", {{2, "malformed row"}}},
        ListCase{"latin1_cell",  // a spreadsheet's "CSV" in Windows-1252: that row only is skipped
                 "email,name\na@x.test,Ren\xe9\nb@x.test,Ren\xc3\xa9\n",
                 {{2, "malformed row"}, {3, "ok b@x.test"}}},
        ListCase{"stray_quote",
                 "email,name\na@x.test,B\"x\nc@x.test,C\n",
                 {{2, "malformed row"}, {3, "ok c@x.test"}}}),
    [](const auto& info) { return info.param.label; });

TEST(RecipientList, ProblemsNameTheRow) {
  MemorySuppressionStore store;
  suppress(store);
  std::istringstream in("email\na@x.test\na@x.test\ngone@example.com\n");
  RecipientReader reader(in, store);
  RecipientRow row;
  ASSERT_TRUE(reader.next(row));
  ASSERT_TRUE(reader.next(row));
  EXPECT_EQ(row.problem, "a@x.test is already on line 2");
  ASSERT_TRUE(reader.next(row));
  EXPECT_EQ(row.problem, "gone@example.com is suppressed (gone@example.com, unsubscribe)");
}

struct HeaderCase {
  std::string label;
  std::string csv;
  std::string expected;
};

class RecipientHeader : public ::testing::TestWithParam<HeaderCase> {};

TEST_P(RecipientHeader, Refused) {
  MemorySuppressionStore store;
  suppress(store);
  std::istringstream in(GetParam().csv);
  RecipientReader reader(in, store);
  EXPECT_THAT(reader.header_error(), ::testing::HasSubstr(GetParam().expected));
  RecipientRow row;
  EXPECT_FALSE(reader.next(row));
}

INSTANTIATE_TEST_SUITE_P(Table, RecipientHeader,
                         ::testing::Values(HeaderCase{"empty", "", "the file is empty"},
                                           HeaderCase{"no_email", "address,name\na@x.test,A\n",
                                                      "line 1: the header names no email column"},
                                           HeaderCase{"no_header", "a@x.test,A\n", "is not a field name"},
                                           HeaderCase{"repeated", "email,name,Name\n",
                                                      "the column 'name' appears twice"},
                                           HeaderCase{"bad_name", "email,first name\n",
                                                      "column 2 'first name' is not a field name"}),
                         [](const auto& info) { return info.param.label; });

TEST(RecipientId, StableAndFitsTokens) {
  std::vector<RecipientRow> first, second;
  read_all("email,n\na@x.test,1\nb@x.test,2\n", &first);
  read_all("email,n\nb@X.TEST,2\na@x.test,1\n", &second);  // another order, another domain case
  ASSERT_EQ(first.size(), 2u);
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(first[0].id->str(), second[1].id->str());
  EXPECT_EQ(first[1].id->str(), second[0].id->str());
  EXPECT_NE(first[0].id->str(), first[1].id->str());
  EXPECT_LE(first[0].id->str().size(), kMaxRecipientId);
  // Known answer: the first 64 bits of SHA-256("a@x.test") in base 36; changing it changes every id.
  EXPECT_EQ(first[0].id->str(), "buuicnculf0v");
  EXPECT_TRUE(RecipientId::parse(first[0].id->str()));
}

}  // namespace
}  // namespace campaigns
