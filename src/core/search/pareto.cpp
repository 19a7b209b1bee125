#include "nas/core/search/pareto.hpp"

#include <algorithm>
#include <numeric>

#include "nas/core/common/error.hpp"

namespace nas {

Objective objective_from_string(const std::string& s) {
  if (s == "scalar") return Objective::kScalar;
  if (s == "pareto") return Objective::kPareto;
  throw UsageError("--objective must be 'scalar' or 'pareto', got '" + s + "'");
}

bool dominates(const Objectives& a, const Objectives& b) {
  return a.accuracy >= b.accuracy && a.latency_ms <= b.latency_ms &&
         (a.accuracy > b.accuracy || a.latency_ms < b.latency_ms);
}

std::vector<int> nondominated_ranks(const std::vector<Objectives>& points) {
  // Populations and samples are small (tens to a few hundred): the plain O(n^2) peeling is
  // clearer than the fast sort and fast enough.
  const std::size_t n = points.size();
  std::vector<int> rank(n, 0);
  std::size_t ranked = 0;
  for (int r = 1; ranked < n; ++r) {
    std::vector<std::size_t> layer;
    for (std::size_t i = 0; i < n; ++i) {
      if (rank[i] != 0) continue;
      bool dominated = false;
      for (std::size_t j = 0; j < n && !dominated; ++j) {
        dominated = j != i && rank[j] == 0 && dominates(points[j], points[i]);
      }
      if (!dominated) layer.push_back(i);
    }
    for (std::size_t i : layer) rank[i] = r;
    ranked += layer.size();
  }
  return rank;
}

std::vector<std::size_t> front_indices(const std::vector<Objectives>& points) {
  const std::vector<int> rank = nondominated_ranks(points);
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (rank[i] == 1) out.push_back(i);
  }
  std::stable_sort(out.begin(), out.end(), [&](std::size_t a, std::size_t b) {
    return points[a].latency_ms < points[b].latency_ms;
  });
  return out;
}

double hypervolume(const std::vector<Objectives>& points, const Objectives& reference) {
  std::vector<Objectives> inside;
  for (const auto& p : points) {
    if (p.accuracy > reference.accuracy && p.latency_ms < reference.latency_ms) inside.push_back(p);
  }
  // Along the front by latency, accuracy rises: each point adds the strip of accuracy between
  // the previous point's and its own, over the latencies from its own to the reference's.
  std::vector<Objectives> front;
  for (std::size_t i : front_indices(inside)) front.push_back(inside[i]);
  double area = 0;
  double below = reference.accuracy;
  for (const auto& p : front) {
    if (p.accuracy <= below) continue;  // an equal point repeats the strip
    area += (p.accuracy - below) * (reference.latency_ms - p.latency_ms);
    below = p.accuracy;
  }
  return area;
}

}  // namespace nas
