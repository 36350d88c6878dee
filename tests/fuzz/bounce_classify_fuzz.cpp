// bounce_classify_fuzz.cpp — fuzzes the bounce classifier (campaigns/bounces/classify/): any bytes as a
// reply through the shipped rules (every result names a rule and one of the thirteen classes; the input is
// bounded), and the same bytes as a rules file, which must load or fail with diagnostics, never crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "campaigns/bounces/classify/classifier.hpp"

namespace {

const campaigns::Classifier& shipped() {
  static const campaigns::Classifier classifier = [] {
    auto load = campaigns::Classifier::load(RELAY_BOUNCE_RULES_FILE, {});
    if (!load.classifier) __builtin_trap();
    return std::move(*load.classifier);
  }();
  return classifier;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto result = shipped().classify(input);
  if (result.rule.empty()) __builtin_trap();
  if (campaigns::parse_bounce_class(campaigns::to_string(result.bounce_class)) != result.bounce_class)
    __builtin_trap();
  auto parts = campaigns::split_reply(input);
  if (parts.text.size() > campaigns::kMaxReplyBytes) __builtin_trap();
  if (parts.code && (*parts.code < 200 || *parts.code > 599)) __builtin_trap();

  auto load = campaigns::Classifier::load_text(input, "fuzz.toml", {});
  if (load.classifier.has_value() == (!load.errors.empty() || !load.extra_errors.empty())) __builtin_trap();
  if (load.classifier) load.classifier->classify(input);
  return 0;
}
