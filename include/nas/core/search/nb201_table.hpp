#pragma once
// NAS-Bench-201 (Dong & Yang, ICLR 2020) as a tabular benchmark: its cell, six edges each one of
// five operations, and the table of every cell's accuracies after NAS-Bench-201's 12-epoch
// training (data/nas-bench-201/, credited in data/README.md). A search over it looks accuracies
// up instead of training, so a strategy can be compared with random search over many seeds in
// seconds.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace nas {

/// The cell's edges, in NAS-Bench-201's string order: 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2.
inline constexpr int kNb201Edges = 6;
inline constexpr std::array<const char*, 5> kNb201Ops{"none", "skip_connect", "nor_conv_1x1",
                                                      "nor_conv_3x3", "avg_pool_3x3"};
/// 5^6 cells.
inline constexpr int kNb201Cells = 15625;

struct Nb201Cell {
  std::array<int, kNb201Edges> ops{};  // indices into kNb201Ops, by edge

  bool operator==(const Nb201Cell& o) const { return ops == o.ops; }
  /// 0..15624: the ops as a base-5 number, edge 0 the lowest digit (our numbering, not
  /// NAS-Bench-201's index, which the table records apart).
  int code() const;
  static Nb201Cell from_code(int code);
};

/// "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|...~0|...~1|...~2|". Throws InputError saying what
/// is wrong: the shape, an unknown operation, an input that is not the edge's.
Nb201Cell parse_nb201_cell(const std::string& text);
std::string to_string(const Nb201Cell& cell);

/// One cell's accuracies (percent): validation (trained on the train split) and test.
struct Nb201Accuracy {
  double val = 0;
  double test = 0;
};

enum class Nb201Dataset { kCifar10, kCifar100, kImageNet16 };
/// "cifar10", "cifar100" or "imagenet16-120"; throws UsageError for anything else.
Nb201Dataset nb201_dataset_from_string(const std::string& name);
std::string to_string(Nb201Dataset d);

struct Nb201Row {
  int index = 0;  // NAS-Bench-201's own index of the cell
  Nb201Cell cell;
  std::array<Nb201Accuracy, 3> accuracy;  // by Nb201Dataset
};

class Nb201Table {
 public:
  /// Reads the table (gzip or plain CSV): the header `index,arch,cifar10-val,cifar10-test,
  /// cifar100-val,cifar100-test,imagenet-val,imagenet-test`, then one row per cell, every one of
  /// the 15,625 cells exactly once. Throws InputError naming the file and the line of the first
  /// defect (a wrong header, a row of the wrong shape, a cell that does not parse, a duplicate
  /// cell, an accuracy that is not a number in [0, 100], a missing cell, a truncated file).
  static Nb201Table load(const std::string& path);
  /// The same from the text itself; `path` only names it in messages.
  static Nb201Table parse(const std::string& text, const std::string& path);

  const Nb201Row& row(const Nb201Cell& cell) const {
    return rows_[static_cast<std::size_t>(cell.code())];
  }
  Nb201Accuracy accuracy(const Nb201Cell& cell, Nb201Dataset d) const {
    return row(cell).accuracy[static_cast<std::size_t>(d)];
  }
  /// The best validation accuracy of any cell, and that cell's test accuracy (the oracle).
  Nb201Row best(Nb201Dataset d) const;
  std::size_t size() const { return rows_.size(); }

 private:
  std::vector<Nb201Row> rows_;  // by cell code
};

}  // namespace nas
