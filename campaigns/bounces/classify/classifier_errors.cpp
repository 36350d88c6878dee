// classifier_errors.cpp — a ClassifierLoad's errors in the form compilers use, kept apart from the
// classifier so that its fuzz target needs no configuration loader. No untrusted input.
#include "campaigns/bounces/classify/classifier.hpp"
#include "mta/config/config_loader.hpp"

namespace campaigns {

std::vector<std::string> format_errors(const ClassifierLoad& load, const std::string& extra_source) {
  std::vector<std::string> out;
  for (const auto& error : load.extra_errors)
    out.push_back(mta::config::format_diagnostic(extra_source, error));
  for (const auto& error : load.errors)
    out.push_back(mta::config::format_diagnostic(load.source, error));
  return out;
}

}  // namespace campaigns
