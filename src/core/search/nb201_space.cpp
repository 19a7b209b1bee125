#include "nas/core/search/nb201_space.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nas/core/common/error.hpp"

namespace nas {

Nb201Space::Nb201Space() {
  for (const char* label : kNb201EdgeLabels) choices_.push_back({label, {0, 1, 2, 3, 4}});
}

Architecture Nb201Space::sample(Rng& rng) const {
  Nb201Cell cell;
  for (auto& op : cell.ops) op = static_cast<int>(uniform_index(rng, kNb201Ops.size()));
  return architecture_of(cell);
}

Architecture Nb201Space::mutate(const Architecture& parent, Rng& rng, double prob) const {
  Nb201Cell cell = cell_of(parent);
  // Another operation than the edge's: one of the four others, uniformly.
  auto change = [&](int edge) {
    const int other = static_cast<int>(uniform_index(rng, kNb201Ops.size() - 1));
    cell.ops[edge] = other >= cell.ops[edge] ? other + 1 : other;
  };
  bool changed = false;
  for (int e = 0; e < kNb201Edges; ++e) {
    if (uniform01(rng) < prob) {
      change(e);
      changed = true;
    }
  }
  if (!changed) change(static_cast<int>(uniform_index(rng, kNb201Edges)));
  return architecture_of(cell);
}

void Nb201Space::validate(const Architecture& arch) const { cell_of(arch); }

std::string Nb201Space::canonical_string(const Architecture& arch) const {
  return to_string(cell_of(arch));
}

Nb201Cell Nb201Space::cell_of(const Architecture& arch) {
  Nb201Cell cell;
  for (int e = 0; e < kNb201Edges; ++e) {
    const std::string label = kNb201EdgeLabels[e];
    if (!arch.has(label)) {
      throw InputError("architecture: missing label '" + label +
                       "' of the nas-bench-201 space (edges edge_1_0 .. edge_3_2)");
    }
    const int v = arch.at(label);
    if (v < 0 || v >= static_cast<int>(kNb201Ops.size())) {
      throw InputError("architecture: '" + label + "' is " + std::to_string(v) +
                       "; the nas-bench-201 space allows 0..4 (none, skip_connect, nor_conv_1x1, "
                       "nor_conv_3x3, avg_pool_3x3)");
    }
    cell.ops[e] = v;
  }
  for (const auto& [label, value] : arch.values()) {
    bool known = false;
    for (const char* l : kNb201EdgeLabels) known = known || label == l;
    if (!known) {
      throw InputError("architecture: unknown label '" + label +
                       "' in the nas-bench-201 space (edges edge_1_0 .. edge_3_2)");
    }
  }
  return cell;
}

Architecture Nb201Space::architecture_of(const Nb201Cell& cell) {
  Architecture arch;
  for (int e = 0; e < kNb201Edges; ++e) arch.set(kNb201EdgeLabels[e], cell.ops[e]);
  return arch;
}

Nb201Cell read_nb201_cell(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '|') {
    return parse_nb201_cell(text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1));
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    throw InputError(
        "not a NAS-Bench-201 cell: neither its string form (|op~0|+|...|) nor a JSON object");
  }
  // A trial.json of a nas-bench-201 search holds the cell's string too; the labels decide.
  return Nb201Space::cell_of(Architecture::from_json(j));
}

Nb201Cell load_nb201_cell(const std::string& source) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path path = source;
  if (fs::is_directory(path, ec)) path /= "trial.json";
  if (!fs::exists(path, ec)) {
    if (!source.empty() && source.front() == '|') return read_nb201_cell(source);
    throw InputError(source + ": no such file (nor a cell string |op~0|+|...|)");
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) throw InputError(path.string() + ": cannot be read");
  try {
    return read_nb201_cell(text.str());
  } catch (const InputError& e) {
    throw InputError(path.string() + ": " + e.what());
  }
}

}  // namespace nas
