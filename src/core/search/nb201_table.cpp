#include "nas/core/search/nb201_table.hpp"

#include <cmath>
#include <cstdlib>
#include <optional>

#include "nas/core/common/error.hpp"
#include "nas/core/common/gzip_file.hpp"

namespace nas {
namespace {

constexpr const char* kHeader =
    "index,arch,cifar10-val,cifar10-test,cifar100-val,cifar100-test,imagenet-val,imagenet-test";

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == sep) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

int op_index(const std::string& name) {
  for (std::size_t i = 0; i < kNb201Ops.size(); ++i) {
    if (name == kNb201Ops[i]) return static_cast<int>(i);
  }
  return -1;
}

std::optional<double> accuracy_field(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v) || v < 0 || v > 100) return std::nullopt;
  return v;
}

}  // namespace

int Nb201Cell::code() const {
  int c = 0;
  for (int e = kNb201Edges - 1; e >= 0; --e) c = c * 5 + ops[static_cast<std::size_t>(e)];
  return c;
}

Nb201Cell Nb201Cell::from_code(int code) {
  Nb201Cell cell;
  for (int e = 0; e < kNb201Edges; ++e) {
    cell.ops[static_cast<std::size_t>(e)] = code % 5;
    code /= 5;
  }
  return cell;
}

Nb201Cell parse_nb201_cell(const std::string& text) {
  const std::string shape = "'" + text + "' is not a NAS-Bench-201 cell";
  const std::vector<std::string> nodes = split(text, '+');
  if (nodes.size() != 3) {
    throw InputError(shape + " (expected |op~0|+|op~0|op~1|+|op~0|op~1|op~2|)");
  }
  Nb201Cell cell;
  int edge = 0;
  for (int node = 1; node <= 3; ++node) {
    const std::string& group = nodes[static_cast<std::size_t>(node - 1)];
    if (group.size() < 2 || group.front() != '|' || group.back() != '|') {
      throw InputError(shape + " (node " + std::to_string(node) + " is not |...|)");
    }
    const std::vector<std::string> edges = split(group.substr(1, group.size() - 2), '|');
    if (static_cast<int>(edges.size()) != node) {
      throw InputError(shape + " (node " + std::to_string(node) + " has " +
                       std::to_string(edges.size()) + " inputs, expected " + std::to_string(node) +
                       ")");
    }
    for (int from = 0; from < node; ++from) {
      const std::string& e = edges[static_cast<std::size_t>(from)];
      const auto tilde = e.find('~');
      const int op = tilde == std::string::npos ? -1 : op_index(e.substr(0, tilde));
      if (op < 0) {
        throw InputError(shape + " (unknown operation '" + e.substr(0, tilde) +
                         "'; expected none, skip_connect, nor_conv_1x1, nor_conv_3x3 or "
                         "avg_pool_3x3)");
      }
      if (e.substr(tilde + 1) != std::to_string(from)) {
        throw InputError(shape + " ('" + e + "': node " + std::to_string(node) + "'s input " +
                         std::to_string(from) + " must end in ~" + std::to_string(from) + ")");
      }
      cell.ops[static_cast<std::size_t>(edge++)] = op;
    }
  }
  return cell;
}

std::string to_string(const Nb201Cell& cell) {
  std::string out;
  int edge = 0;
  for (int node = 1; node <= 3; ++node) {
    if (node > 1) out += "+";
    out += "|";
    for (int from = 0; from < node; ++from) {
      out += std::string(
                 kNb201Ops[static_cast<std::size_t>(cell.ops[static_cast<std::size_t>(edge++)])]) +
             "~" + std::to_string(from) + "|";
    }
  }
  return out;
}

Nb201Dataset nb201_dataset_from_string(const std::string& name) {
  if (name == "cifar10") return Nb201Dataset::kCifar10;
  if (name == "cifar100") return Nb201Dataset::kCifar100;
  if (name == "imagenet16-120") return Nb201Dataset::kImageNet16;
  throw UsageError("--nb201-dataset must be cifar10, cifar100 or imagenet16-120, got '" + name +
                   "'");
}

std::string to_string(Nb201Dataset d) {
  switch (d) {
    case Nb201Dataset::kCifar10:
      return "cifar10";
    case Nb201Dataset::kCifar100:
      return "cifar100";
    case Nb201Dataset::kImageNet16:
      return "imagenet16-120";
  }
  return "unknown";
}

Nb201Table Nb201Table::load(const std::string& path) {
  // The whole table is 2 MB of text: 16 MB leaves room, and stops a wrong file early.
  return parse(read_maybe_gzip(path, 16u << 20), path);
}

Nb201Table Nb201Table::parse(const std::string& text, const std::string& path) {
  std::vector<std::string> lines = split(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();  // the final newline
  for (auto& l : lines) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
  }
  if (lines.empty() || lines[0] != kHeader) {
    throw InputError(path + ": line 1: not a NAS-Bench-201 table header (expected " +
                     std::string(kHeader) + ")");
  }
  Nb201Table table;
  table.rows_.resize(kNb201Cells);
  std::vector<bool> seen(kNb201Cells, false);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string where = path + ": line " + std::to_string(i + 1) + ": ";
    const std::vector<std::string> f = split(lines[i], ',');
    if (f.size() != 8) {
      throw InputError(where + std::to_string(f.size()) + " fields, expected 8");
    }
    Nb201Row row;
    char* end = nullptr;
    const long index = std::strtol(f[0].c_str(), &end, 10);
    if (f[0].empty() || end != f[0].c_str() + f[0].size() || index < 0 || index >= kNb201Cells) {
      throw InputError(where + "index '" + f[0] + "' is not from 0 to 15624");
    }
    row.index = static_cast<int>(index);
    try {
      row.cell = parse_nb201_cell(f[1]);
    } catch (const InputError& e) {
      throw InputError(where + e.what());
    }
    static const char* kColumns[] = {"cifar10-val",   "cifar10-test", "cifar100-val",
                                     "cifar100-test", "imagenet-val", "imagenet-test"};
    for (std::size_t c = 0; c < 6; ++c) {
      const auto v = accuracy_field(f[2 + c]);
      if (!v) {
        throw InputError(where + kColumns[c] + " '" + f[2 + c] +
                         "' is not an accuracy (a number from 0 to 100)");
      }
      (c % 2 == 0 ? row.accuracy[c / 2].val : row.accuracy[c / 2].test) = *v;
    }
    const int code = row.cell.code();
    if (seen[static_cast<std::size_t>(code)]) {
      throw InputError(where + "cell " + f[1] + " appears twice");
    }
    seen[static_cast<std::size_t>(code)] = true;
    table.rows_[static_cast<std::size_t>(code)] = row;
  }
  for (int code = 0; code < kNb201Cells; ++code) {
    if (!seen[static_cast<std::size_t>(code)]) {
      throw InputError(path + ": " + std::to_string(lines.size() - 1) +
                       " rows, but every one of the 15625 cells needs one (missing: " +
                       to_string(Nb201Cell::from_code(code)) + "); is the file truncated?");
    }
  }
  return table;
}

Nb201Row Nb201Table::best(Nb201Dataset d) const {
  const std::size_t k = static_cast<std::size_t>(d);
  const Nb201Row* best = &rows_.front();
  for (const auto& r : rows_) {
    if (r.accuracy[k].val > best->accuracy[k].val) best = &r;
  }
  return *best;
}

}  // namespace nas
