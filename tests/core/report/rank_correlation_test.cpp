#include "core/report/rank_correlation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace nas {
namespace {

TEST(RankCorrelation, SameOrderIsOneAndReversedIsMinusOne) {
  const std::vector<double> x{1, 2, 3, 4, 5};
  const std::vector<double> scaled{10, 40, 41, 90, 1000};  // any increasing map: only orders count
  EXPECT_DOUBLE_EQ(kendall_tau(x, scaled), 1.0);
  EXPECT_DOUBLE_EQ(spearman_rho(x, scaled), 1.0);
  const std::vector<double> reversed{5, 4, 3, 2, 1};
  EXPECT_DOUBLE_EQ(kendall_tau(x, reversed), -1.0);
  EXPECT_DOUBLE_EQ(spearman_rho(x, reversed), -1.0);
}

TEST(RankCorrelation, MatchesHandComputedValues) {
  // One swapped pair out of 10: tau = (9 - 1) / 10; rho = 1 - 6 * 2 / (5 * 24).
  const std::vector<double> x{1, 2, 3, 4, 5};
  const std::vector<double> y{1, 3, 2, 4, 5};
  EXPECT_DOUBLE_EQ(kendall_tau(x, y), 0.8);
  EXPECT_DOUBLE_EQ(spearman_rho(x, y), 0.9);
}

TEST(RankCorrelation, TiesUseTauBAndMeanRanks) {
  EXPECT_EQ(average_ranks({10, 20, 20, 30}), (std::vector<double>{1, 2.5, 2.5, 4}));
  // x has one tied pair: 5 untied pairs in x, 6 in y, all 5 concordant: 5 / sqrt(5 * 6).
  const std::vector<double> x{1, 2, 2, 3};
  const std::vector<double> y{1, 2, 3, 4};
  EXPECT_NEAR(kendall_tau(x, y), 5.0 / std::sqrt(30.0), 1e-12);
  // Pearson of ranks (1, 2.5, 2.5, 4) and (1, 2, 3, 4): 4.5 / sqrt(4.5 * 5).
  EXPECT_NEAR(spearman_rho(x, y), 4.5 / std::sqrt(22.5), 1e-12);
}

TEST(RankCorrelation, UndefinedForConstantOrTooShortLists) {
  EXPECT_TRUE(std::isnan(kendall_tau({1, 1, 1}, {1, 2, 3})));
  EXPECT_TRUE(std::isnan(spearman_rho({1, 2, 3}, {7, 7, 7})));
  EXPECT_TRUE(std::isnan(kendall_tau({1}, {2})));
  EXPECT_TRUE(std::isnan(spearman_rho({}, {})));
}

TEST(RankCorrelation, RefusesListsOfDifferentLengths) {
  EXPECT_THROW(kendall_tau({1, 2}, {1, 2, 3}), std::invalid_argument);
  EXPECT_THROW(spearman_rho({1, 2, 3}, {1}), std::invalid_argument);
}

}  // namespace
}  // namespace nas
