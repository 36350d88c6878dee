// driver.cpp — runs a libFuzzer-style target without libFuzzer (g++ builds): every seed file in the given
// directory, then RUNS inputs made by mutating the seeds with a fixed-seed generator (flip, insert, delete,
// duplicate, splice), so a run is repeatable. Usage: TARGET RUNS SEED_DIR.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: " << argv[0] << " RUNS SEED_DIR\n";
    return 2;
  }
  long runs = std::atol(argv[1]);
  std::vector<std::vector<std::uint8_t>> seeds;
  for (const auto& entry : std::filesystem::directory_iterator(argv[2])) {
    std::ifstream in(entry.path(), std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(seeds.back().data(), seeds.back().size());
  }
  if (seeds.empty()) seeds.push_back({});
  std::mt19937 random(1);
  for (long i = 0; i < runs; ++i) {
    std::vector<std::uint8_t> input = seeds[random() % seeds.size()];
    for (int m = 0, count = 1 + static_cast<int>(random() % 8); m < count; ++m) {
      std::size_t at = input.empty() ? 0 : random() % input.size();
      switch (random() % 5) {
        case 0:
          if (!input.empty()) input[at] ^= static_cast<std::uint8_t>(1u << (random() % 8));
          break;
        case 1:
          input.insert(input.begin() + static_cast<long>(at), static_cast<std::uint8_t>(random()));
          break;
        case 2:
          if (!input.empty()) input.erase(input.begin() + static_cast<long>(at));
          break;
        case 3:
          if (!input.empty()) input[at] = static_cast<std::uint8_t>(random());
          break;
        case 4: {
          const auto& other = seeds[random() % seeds.size()];
          if (!other.empty()) {
            std::size_t from = random() % other.size();
            input.insert(input.begin() + static_cast<long>(at), other.begin() + static_cast<long>(from),
                         other.end());
          }
          break;
        }
      }
    }
    if (input.size() > 4096) input.resize(4096);
    LLVMFuzzerTestOneInput(input.data(), input.size());
  }
  std::cout << "ran " << seeds.size() << " seeds and " << runs << " mutated inputs\n";
  return 0;
}
