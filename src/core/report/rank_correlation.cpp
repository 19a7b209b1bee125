#include "core/report/rank_correlation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace nas {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_lengths(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) {
    throw std::invalid_argument("rank correlation of lists of different lengths (" +
                                std::to_string(x.size()) + " and " + std::to_string(y.size()) +
                                ")");
  }
}

int sign(double d) { return (d > 0) - (d < 0); }

}  // namespace

std::vector<double> average_ranks(const std::vector<double>& v) {
  std::vector<std::size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return v[a] < v[b]; });
  std::vector<double> ranks(v.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    const double mean_rank = (static_cast<double>(i + j) / 2.0) + 1.0;
    for (std::size_t k = i; k <= j; ++k) ranks[order[k]] = mean_rank;
    i = j + 1;
  }
  return ranks;
}

double kendall_tau(const std::vector<double>& x, const std::vector<double>& y) {
  check_lengths(x, y);
  // O(n^2) pairs: proxy studies have tens to a few thousand architectures.
  double concordance = 0;
  double untied_x = 0;
  double untied_y = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    for (std::size_t j = i + 1; j < x.size(); ++j) {
      const int sx = sign(x[i] - x[j]);
      const int sy = sign(y[i] - y[j]);
      concordance += sx * sy;
      untied_x += sx != 0;
      untied_y += sy != 0;
    }
  }
  if (untied_x == 0 || untied_y == 0) return kNaN;
  return concordance / std::sqrt(untied_x * untied_y);
}

double spearman_rho(const std::vector<double>& x, const std::vector<double>& y) {
  check_lengths(x, y);
  if (x.size() < 2) return kNaN;
  const auto rx = average_ranks(x);
  const auto ry = average_ranks(y);
  const double mean = (static_cast<double>(x.size()) + 1.0) / 2.0;  // of either rank list
  double sxy = 0;
  double sxx = 0;
  double syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) * (rx[i] - mean);
    syy += (ry[i] - mean) * (ry[i] - mean);
  }
  if (sxx == 0 || syy == 0) return kNaN;
  return sxy / std::sqrt(sxx * syy);
}

}  // namespace nas
