// libFuzzer target: the NAS-Bench-201 table reader (data/nas-bench-201/), gzipped or plain, and
// the cell strings inside it.
#include "fuzz_common.hpp"
#include "nas/core/common/error.hpp"
#include "nas/core/search/nb201_table.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    // A cell that parses prints back as itself.
    const nas::Nb201Cell cell = nas::parse_nb201_cell(text);
    if (nas::to_string(cell) != text || cell.code() < 0 || cell.code() >= nas::kNb201Cells)
      __builtin_trap();
  } catch (const nas::InputError&) {
  }
  const auto path = nas::fuzz::scratch() / "table.csv.gz";
  nas::fuzz::write_input(path, data, size);
  try {
    const nas::Nb201Table table = nas::Nb201Table::load(path.string());
    if (table.size() != static_cast<std::size_t>(nas::kNb201Cells)) __builtin_trap();
  } catch (const nas::InputError&) {
  }
  return 0;
}
