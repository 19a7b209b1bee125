#pragma once
// The spaces --space names, made by name, so flag parsing, resume and the report agree on them.
#include <memory>
#include <string>
#include <vector>

#include "nas/core/search/search_space.hpp"

namespace nas {

/// "mobilenetv3", "nni-2.7" and "nas-bench-201".
std::vector<std::string> search_space_names();
/// The names, as a message lists them: "mobilenetv3, nni-2.7, nas-bench-201".
std::string known_search_spaces();
/// Throws UsageError naming the known spaces.
std::unique_ptr<SearchSpace> make_search_space(const std::string& name);
/// Spaces that look results up in a table instead of building and training a network.
bool is_tabular_space(const std::string& name);

}  // namespace nas
