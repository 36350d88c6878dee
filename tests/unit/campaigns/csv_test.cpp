// campaigns::CsvReader and csv_field: RFC 4180 records (quotes, embedded commas, quotes and line breaks),
// CRLF/LF/CR, a byte-order mark, blank lines, and malformed records reported with their line while the
// records after them still read.
#include "campaigns/formats/csv.hpp"

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace campaigns {
namespace {

using ::testing::HasSubstr;

struct Expected {
  std::size_t line;
  std::vector<std::string> fields;
  std::string problem;  // a part of the message; "" for a good record
};

struct Case {
  std::string label;
  std::string input;
  std::vector<Expected> records;
};

class CsvReaderTest : public ::testing::TestWithParam<Case> {};

TEST_P(CsvReaderTest, ReadsRecords) {
  std::istringstream in(GetParam().input);
  CsvReader reader(in, {.max_field = 16, .max_fields = 4});
  CsvRecord record;
  std::size_t i = 0;
  while (reader.next(record)) {
    ASSERT_LT(i, GetParam().records.size()) << "extra record at line " << record.line;
    const auto& expected = GetParam().records[i++];
    EXPECT_EQ(record.line, expected.line) << "record " << i;
    if (expected.problem.empty()) {
      EXPECT_EQ(record.problem, "") << "record " << i;
      EXPECT_EQ(record.fields, expected.fields) << "record " << i;
    } else {
      EXPECT_THAT(record.problem, HasSubstr(expected.problem)) << "record " << i;
    }
  }
  EXPECT_EQ(i, GetParam().records.size());
}

INSTANTIATE_TEST_SUITE_P(
    Csv, CsvReaderTest,
    ::testing::Values(
        Case{"empty", "", {}}, Case{"lf", "a,b\nc,d\n", {{1, {"a", "b"}, ""}, {2, {"c", "d"}, ""}}},
        Case{"crlf", "a,b\r\nc,d\r\n", {{1, {"a", "b"}, ""}, {2, {"c", "d"}, ""}}},
        Case{"cr_only", "a\rb\r", {{1, {"a"}, ""}, {2, {"b"}, ""}}},
        Case{"no_final_newline", "a,b", {{1, {"a", "b"}, ""}}},
        Case{"bom",
             "\xEF\xBB\xBF"
             "address\nx\n",
             {{1, {"address"}, ""}, {2, {"x"}, ""}}},
        Case{"not_a_bom", "\xEF\xBC\xA1,b\n", {{1, {"\xEF\xBC\xA1", "b"}, ""}}},
        Case{"short_not_a_bom", "\xEF", {{1, {"\xEF"}, ""}}},
        Case{"blank_lines", "\n\na\n\r\n\nb\n", {{3, {"a"}, ""}, {6, {"b"}, ""}}},
        Case{"empty_fields", ",,\n", {{1, {"", "", ""}, ""}}},
        Case{"quoted_comma", "\"a,b\",c\n", {{1, {"a,b", "c"}, ""}}},
        Case{"quoted_quote", "\"say \"\"hi\"\"\",x\n", {{1, {"say \"hi\"", "x"}, ""}}},
        Case{"quoted_newline", "\"a\nb\",c\nd\n", {{1, {"a\nb", "c"}, ""}, {3, {"d"}, ""}}},
        Case{"quoted_crlf_kept_as_lf", "\"a\r\nb\"\r\nd\r\n", {{1, {"a\nb"}, ""}, {3, {"d"}, ""}}},
        Case{"quoted_empty", "\"\",x\n", {{1, {"", "x"}, ""}}},
        Case{"stray_quote", "ab\"c,d\ne\n", {{1, {}, "inside a field without quotes"}, {2, {"e"}, ""}}},
        Case{"text_after_quote", "\"ab\"c,d\ne\n", {{1, {}, "after a closing quote"}, {2, {"e"}, ""}}},
        Case{"unclosed_quote", "a\n\"bc\nd\n", {{1, {"a"}, ""}, {2, {}, "never closed"}}},
        Case{"long_field", "0123456789abcdefX,b\nc\n", {{1, {}, "longer than 16"}, {2, {"c"}, ""}}},
        Case{"too_many_fields", "a,b,c,d,e\nf\n", {{1, {}, "more than 4 fields"}, {2, {"f"}, ""}}},
        Case{"nul_kept", std::string("a\0b,c\n", 6), {{1, {std::string("a\0b", 3), "c"}, ""}}}),
    [](const auto& info) { return info.param.label; });

TEST(CsvWriter, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(csv_field("jane@example.com"), "jane@example.com");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("\"john doe\"@x.test"), "\"\"\"john doe\"\"@x.test\"");
  EXPECT_EQ(csv_field("line\nbreak"), "\"line\nbreak\"");
  EXPECT_EQ(csv_field(" padded"), "\" padded\"");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_line({"a", "b,c", ""}), "a,\"b,c\",\r\n");
}

TEST(CsvWriter, WhatItWritesReadsBack) {
  std::vector<std::string> fields{"\"q\"@x.test", "a,b", "multi\nline", " space ", "plain", ""};
  std::istringstream in(csv_line(fields) + csv_line({"next"}));
  CsvReader reader(in);
  CsvRecord record;
  ASSERT_TRUE(reader.next(record));
  EXPECT_EQ(record.fields, fields);
  ASSERT_TRUE(reader.next(record));
  EXPECT_EQ(record.line, 3u);
  EXPECT_EQ(record.fields, std::vector<std::string>{"next"});
}

}  // namespace
}  // namespace campaigns
