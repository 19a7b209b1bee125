#include "nas/core/search/nb201_table.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "nas/core/common/error.hpp"

namespace fs = std::filesystem;

namespace nas {
namespace {

const std::string kShipped =
    std::string(NAS_SOURCE_DIR) + "/data/nas-bench-201/nas-bench-201-12epoch.csv.gz";
const std::string kHeader =
    "index,arch,cifar10-val,cifar10-test,cifar100-val,cifar100-test,imagenet-val,imagenet-test\n";

/// A whole table in the shipped form whose accuracies are a function of the cell.
std::string hand_table() {
  std::ostringstream out;
  out << kHeader;
  for (int code = 0; code < kNb201Cells; ++code) {
    const double v = 10.0 + code % 90;
    out << code << "," << to_string(Nb201Cell::from_code(code)) << "," << v << "," << v + 1 << ","
        << v << "," << v << "," << v << "," << v << "\n";
  }
  return out.str();
}

/// `table` with its line `line` (1-based) replaced by `text`.
std::string with_line(const std::string& table, int line, const std::string& text) {
  std::istringstream in(table);
  std::ostringstream out;
  std::string l;
  for (int i = 1; std::getline(in, l); ++i) out << (i == line ? text : l) << "\n";
  return out.str();
}

std::string error_of(const std::string& text) {
  try {
    Nb201Table::parse(text, "t.csv");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Nb201Cell, StringFormRoundTripsForEveryCell) {
  for (int code = 0; code < kNb201Cells; ++code) {
    const Nb201Cell cell = Nb201Cell::from_code(code);
    ASSERT_EQ(cell.code(), code);
    ASSERT_EQ(parse_nb201_cell(to_string(cell)), cell) << to_string(cell);
  }
  const Nb201Cell c = parse_nb201_cell(
      "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_"
      "connect~2|");
  EXPECT_EQ(c.ops, (std::array<int, 6>{4, 2, 1, 2, 1, 1}));
}

TEST(Nb201Cell, MalformedCellsSayWhatIsWrong) {
  for (const char* bad :
       {"", "|none~0|+|none~0|none~1|", "|none~0|+|none~0|+|none~0|none~1|none~2|",
        "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|",
        "|none~1|+|none~0|none~1|+|none~0|none~1|none~2|",
        "none~0+|none~0|none~1|+|none~0|none~1|none~2|"}) {
    EXPECT_THROW(parse_nb201_cell(bad), InputError) << bad;
  }
  try {
    parse_nb201_cell("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|");
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown operation 'conv'"), std::string::npos);
  }
}

TEST(Nb201Table, TheShippedTableHoldsEveryCell) {
  const Nb201Table t = Nb201Table::load(kShipped);
  EXPECT_EQ(t.size(), static_cast<std::size_t>(kNb201Cells));
  // The table's first row.
  const Nb201Cell c = parse_nb201_cell(
      "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_"
      "connect~2|");
  EXPECT_EQ(t.row(c).index, 0);
  EXPECT_DOUBLE_EQ(t.accuracy(c, Nb201Dataset::kCifar10).val, 63.364);
  EXPECT_DOUBLE_EQ(t.accuracy(c, Nb201Dataset::kCifar10).test, 69.55);
  EXPECT_DOUBLE_EQ(t.accuracy(c, Nb201Dataset::kImageNet16).test, 17.0);
  // A cell of only "none" edges cannot learn: chance on CIFAR-10.
  EXPECT_LT(t.accuracy(Nb201Cell{}, Nb201Dataset::kCifar10).val, 15.0);
  const Nb201Row best = t.best(Nb201Dataset::kCifar10);
  for (int code = 0; code < kNb201Cells; code += 97) {
    EXPECT_LE(t.accuracy(Nb201Cell::from_code(code), Nb201Dataset::kCifar10).val,
              best.accuracy[0].val);
  }
}

TEST(Nb201Table, EveryDefectNamesTheFileAndTheLine) {
  const std::string good = hand_table();
  EXPECT_EQ(Nb201Table::parse(good, "t.csv").size(), static_cast<std::size_t>(kNb201Cells));
  EXPECT_NE(error_of(with_line(good, 1, "index,arch,a,b")).find("t.csv: line 1: not a"),
            std::string::npos);
  EXPECT_NE(
      error_of(with_line(good, 3, "1,|none~0|+|none~0|none~1|,1,2,3,4,5")).find("line 3: 7 fields"),
      std::string::npos);
  const std::string five_edges =
      with_line(good, 4, "2,|none~0|+|none~0|none~1|+|none~0|none~1|,1,2,3,4,5,6");
  EXPECT_NE(error_of(five_edges).find("line 4: '|none~0|+|none~0|none~1|+|none~0|none~1|' is not"),
            std::string::npos)
      << error_of(five_edges);
  const std::string twice =
      with_line(good, 5, "3," + to_string(Nb201Cell::from_code(0)) + ",1,2,3,4,5,6");
  EXPECT_NE(error_of(twice).find("line 5: cell"), std::string::npos) << error_of(twice);
  EXPECT_NE(error_of(twice).find("appears twice"), std::string::npos);
  const std::string nan =
      with_line(good, 6, "5," + to_string(Nb201Cell::from_code(4)) + ",1,2,x,4,5,6");
  EXPECT_NE(error_of(nan).find("line 6: cifar100-val 'x' is not an accuracy"), std::string::npos)
      << error_of(nan);
  const std::string truncated = good.substr(0, good.size() / 2);
  EXPECT_FALSE(error_of(truncated).empty());
}

TEST(Nb201Table, ATruncatedOrMissingFileIsAnInputError) {
  const fs::path dir =
      fs::temp_directory_path() / ("nas_nb201_" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  std::ifstream in(kShipped, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  {
    std::ofstream out(dir / "half.csv.gz", std::ios::binary);
    out << bytes.substr(0, bytes.size() / 2);
  }
  try {
    Nb201Table::load((dir / "half.csv.gz").string());
    ADD_FAILURE() << "a truncated table loaded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("half.csv.gz"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Nb201Table::load((dir / "absent.csv").string()), InputError);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace nas
