// suppression_csv_fuzz.cpp — fuzzes suppression import (campaigns/formats/csv.cpp, suppression_csv.cpp, address.cpp,
// timestamp.cpp) with an in-memory store: any bytes must import without crashing, every row counted once
// (added, already present or skipped), and what was imported must export and import back to the same list.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "campaigns/suppression/memory_suppression_store.hpp"
#include "campaigns/suppression/suppression_csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  campaigns::MemorySuppressionStore store;
  campaigns::ImportDefaults defaults{campaigns::Reason::import, "fuzz", {}};
  auto report = campaigns::import_suppressions(in, store, defaults);
  if (report.problems.size() > report.skipped || store.list({}).size() != report.added) __builtin_trap();

  std::ostringstream exported;
  campaigns::export_suppressions(store, exported);
  std::istringstream again(exported.str());
  campaigns::MemorySuppressionStore copy;
  auto reimported = campaigns::import_suppressions(again, copy, defaults);
  if (reimported.skipped != 0 || reimported.added != report.added || !reimported.fatal.empty())
    __builtin_trap();
  return 0;
}
