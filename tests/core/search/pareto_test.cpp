#include "nas/core/search/pareto.hpp"

#include <gtest/gtest.h>

namespace nas {
namespace {

TEST(Pareto, DominanceNeedsOneStrictImprovement) {
  EXPECT_TRUE(dominates({90, 1.0}, {80, 1.0}));
  EXPECT_TRUE(dominates({90, 0.5}, {90, 1.0}));
  EXPECT_FALSE(dominates({90, 1.0}, {90, 1.0}));
  EXPECT_FALSE(dominates({95, 2.0}, {90, 1.0}));
}

TEST(Pareto, RanksPeelFrontsAndEqualPointsShareOne) {
  // a, b and c trade accuracy for latency (rank 1); d is dominated by b only (rank 2); e by d.
  const std::vector<Objectives> p{{70, 0.1}, {80, 0.2},  {90, 0.4},
                                  {75, 0.3}, {72, 0.35}, {80, 0.2}};
  EXPECT_EQ(nondominated_ranks(p), (std::vector<int>{1, 1, 1, 2, 3, 1}));
  EXPECT_EQ(front_indices(p), (std::vector<std::size_t>{0, 1, 5, 2}));
  EXPECT_TRUE(nondominated_ranks({}).empty());
}

TEST(Pareto, HypervolumeOnWorkedNumbers) {
  // Reference: chance accuracy 10% and the slowest latency 1 ms.
  const Objectives ref{10, 1.0};
  // One point: (50 - 10) x (1 - 0.5) = 20.
  EXPECT_DOUBLE_EQ(hypervolume({{50, 0.5}}, ref), 20.0);
  // Two: 20 + (90 - 50) x (1 - 0.75) = 30; a dominated point and one beyond the reference add
  // nothing.
  EXPECT_DOUBLE_EQ(hypervolume({{50, 0.5}, {90, 0.75}, {40, 0.9}, {95, 1.5}, {5, 0.1}}, ref), 30.0);
  EXPECT_DOUBLE_EQ(hypervolume({}, ref), 0.0);
  EXPECT_DOUBLE_EQ(hypervolume({{50, 0.5}, {50, 0.5}}, ref), 20.0);
}

}  // namespace
}  // namespace nas
