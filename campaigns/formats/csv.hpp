// csv.hpp — CSV as RFC 4180 writes it, read leniently: quoted fields with embedded commas, quotes ("")
// and line breaks; CRLF, LF or CR line ends; a UTF-8 byte-order mark at the start dropped; blank lines
// skipped. Errors are per record (a stray quote, text after a closing quote, a quoted field never closed,
// a field or record past the limits): the record comes back with its line number and a problem, and
// reading goes on with the next line. Untrusted input: the whole stream, read in bounded pieces.
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace campaigns {

struct CsvLimits {
  std::size_t max_field = 1024;  // octets
  std::size_t max_fields = 32;
};

struct CsvRecord {
  std::size_t line = 0;  // where the record starts, 1-based
  std::vector<std::string> fields;
  std::string problem;  // set when the record is malformed; fields are then incomplete
};

class CsvReader {
 public:
  explicit CsvReader(std::istream& in, CsvLimits limits = {}) : in_(in), limits_(limits) {}
  // The next record, false at the end of the input.
  bool next(CsvRecord& record);

 private:
  int raw_get();
  int raw_peek();
  int get();  // CRLF and CR read as LF, lines counted
  void skip_line();

  std::istream& in_;
  CsvLimits limits_;
  std::string pending_;  // octets read ahead to look for a byte-order mark
  std::size_t line_ = 1;
  bool started_ = false;
};

// A field as RFC 4180 writes it: quoted (quotes doubled) when it holds a comma, a quote, CR or LF, or
// begins or ends with a space.
std::string csv_field(std::string_view value);
// The fields joined by commas, ending in CRLF.
std::string csv_line(const std::vector<std::string>& fields);

}  // namespace campaigns
