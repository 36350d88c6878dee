#include "dns/preflight/report.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace dns::preflight {
namespace {

constexpr std::size_t kMaxColumn = 40;  // longer checks or subjects widen no further; the text still shows

std::string_view colour_of(Status status) {
  switch (status) {
    case Status::pass:
      return "\033[32m";
    case Status::warn:
      return "\033[33m";
    case Status::fail:
      return "\033[31m";
    case Status::error:
      return "\033[35m";
  }
  return "";
}

std::string pad(std::string_view text, std::size_t width) {
  std::string out(text);
  if (out.size() < width) out.append(width - out.size(), ' ');
  return out;
}

}  // namespace

std::string_view to_string(Status status) {
  switch (status) {
    case Status::pass:
      return "pass";
    case Status::warn:
      return "warn";
    case Status::fail:
      return "fail";
    case Status::error:
      return "error";
  }
  return "error";
}

int severity(Status status) {
  switch (status) {
    case Status::pass:
      return 0;
    case Status::warn:
      return 1;
    case Status::error:
      return 2;
    case Status::fail:
      return 3;
  }
  return 3;
}

std::size_t Report::count(Status status) const {
  return static_cast<std::size_t>(
      std::count_if(findings.begin(), findings.end(), [&](const Finding& f) { return f.status == status; }));
}

int Report::exit_code() const {
  if (count(Status::fail) > 0) return 1;
  if (count(Status::error) > 0) return 3;
  return 0;
}

std::string render_table(const Report& report, bool colour) {
  std::size_t check_width = 5, subject_width = 7;  // "CHECK", "SUBJECT"
  for (const auto& f : report.findings) {
    check_width = std::max(check_width, std::min(f.check.size(), kMaxColumn));
    subject_width = std::max(subject_width, std::min(f.subject.size(), kMaxColumn));
  }
  std::string indent(check_width + subject_width + 4 + 8, ' ');
  std::string out = pad("CHECK", check_width) + "  " + pad("SUBJECT", subject_width) + "  STATUS  DETAIL\n";
  for (const auto& f : report.findings) {
    std::string status = pad(to_string(f.status), 6);
    if (colour) status = std::string(colour_of(f.status)) + status + "\033[0m";
    out += pad(f.check, check_width) + "  " + pad(f.subject, subject_width) + "  " + status + "  " +
           f.detail + "\n";
    if (!f.fix.empty()) out += indent + "fix: " + f.fix + "\n";
  }
  out += "\n" + std::to_string(report.count(Status::pass)) + " passed, " +
         std::to_string(report.count(Status::warn)) + " warnings, " +
         std::to_string(report.count(Status::fail)) + " failed, " +
         std::to_string(report.count(Status::error)) + " could not be checked\n";
  return out;
}

std::string render_json(const Report& report) {
  nlohmann::ordered_json findings = nlohmann::ordered_json::array();
  for (const auto& f : report.findings)
    findings.push_back({{"check", f.check},
                        {"subject", f.subject},
                        {"status", to_string(f.status)},
                        {"detail", f.detail},
                        {"fix", f.fix}});
  nlohmann::ordered_json out{{"findings", findings},
                             {"summary",
                              {{"pass", report.count(Status::pass)},
                               {"warn", report.count(Status::warn)},
                               {"fail", report.count(Status::fail)},
                               {"error", report.count(Status::error)}}},
                             {"exit_code", report.exit_code()}};
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace dns::preflight
