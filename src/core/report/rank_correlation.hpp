#pragma once
// Rank agreement between two scorings of the same items: does a cheap score order architectures
// the way an expensive one does? Both statistics only look at orders, so a proxy that is
// uniformly too low (a short training) still scores 1 when it orders every pair right.
#include <vector>

namespace nas {

/// Kendall's tau-b: (concordant - discordant pairs), normalised so that ties in either list are
/// allowed. In [-1, 1]; NaN with fewer than two items or when either list is constant. Throws
/// std::invalid_argument when the lists differ in length.
double kendall_tau(const std::vector<double>& x, const std::vector<double>& y);

/// Spearman's rho: Pearson's correlation of the ranks, tied values sharing their mean rank. Same
/// range, NaN cases and length check as kendall_tau.
double spearman_rho(const std::vector<double>& x, const std::vector<double>& y);

/// Ranks 1..n, tied values sharing the mean of the ranks they span.
std::vector<double> average_ranks(const std::vector<double>& v);

}  // namespace nas
