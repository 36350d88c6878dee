#include "campaigns/formats/csv.hpp"

namespace campaigns {
namespace {

constexpr int kEnd = std::char_traits<char>::eof();

}  // namespace

int CsvReader::raw_get() {
  if (pending_.empty()) return in_.get();
  int c = static_cast<unsigned char>(pending_.front());
  pending_.erase(0, 1);
  return c;
}

int CsvReader::raw_peek() {
  return pending_.empty() ? in_.peek() : static_cast<unsigned char>(pending_.front());
}

int CsvReader::get() {
  int c = raw_get();
  if (c == '\r') {
    if (raw_peek() == '\n') raw_get();
    c = '\n';
  }
  if (c == '\n') ++line_;
  return c;
}

void CsvReader::skip_line() {
  for (int c = get(); c != kEnd && c != '\n'; c = get()) {
  }
}

bool CsvReader::next(CsvRecord& record) {
  if (!started_) {
    started_ = true;
    for (int c; pending_.size() < 3 && (c = in_.get()) != kEnd;)
      pending_ += static_cast<char>(c);
    if (pending_ == "\xEF\xBB\xBF") pending_.clear();
  }
  int c = get();
  while (c == '\n')
    c = get();  // blank lines
  if (c == kEnd) return false;

  record = CsvRecord{line_, {std::string()}, ""};
  auto fail = [&](std::string problem) {
    if (record.problem.empty()) record.problem = std::move(problem);
  };
  auto append = [&](char ch) {
    if (record.fields.back().size() < limits_.max_field)
      record.fields.back() += ch;
    else
      fail("a field is longer than " + std::to_string(limits_.max_field) + " octets");
  };
  bool quoted = false;  // inside the current field's quotes
  bool was_quoted = false;
  for (;; c = get()) {
    if (quoted) {
      if (c == kEnd) {
        fail(
            "a quoted field in this record is never closed; end it with '\"' (and double each '\"' inside "
            "it)");
        return true;
      }
      if (c == '"') {
        if (raw_peek() == '"') {
          raw_get();
          append('"');
        } else {
          quoted = false;
        }
      } else {
        append(static_cast<char>(c));
      }
      continue;
    }
    if (c == kEnd || c == '\n') return true;
    if (c == ',') {
      if (record.fields.size() >= limits_.max_fields) {
        fail("more than " + std::to_string(limits_.max_fields) + " fields");
        skip_line();
        return true;
      }
      record.fields.emplace_back();
      was_quoted = false;
    } else if (c == '"' && record.fields.back().empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (was_quoted) {
      fail("text after a closing quote; a field is either all inside quotes or has none");
      skip_line();
      return true;
    } else if (c == '"') {
      fail("a '\"' inside a field without quotes; quote the whole field and double the '\"'");
      skip_line();
      return true;
    } else {
      append(static_cast<char>(c));
    }
  }
}

std::string csv_field(std::string_view value) {
  bool quote = !value.empty() && (value.front() == ' ' || value.back() == ' ');
  quote = quote || value.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i)
    out += (i ? "," : "") + csv_field(fields[i]);
  return out + "\r\n";
}

}  // namespace campaigns
