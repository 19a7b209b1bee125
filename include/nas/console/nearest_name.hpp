#pragma once
// "did you mean --epochs?": the known name closest to what a user typed, when one is close.
#include <optional>
#include <string>
#include <vector>

namespace nas {

/// Edit distance (insertions, deletions, substitutions; a swap of neighbours counts one).
int edit_distance(const std::string& a, const std::string& b);

/// The candidate closest to `typed`, if it is within a third of the typed length (at least 2
/// edits) and no other candidate is as close.
std::optional<std::string> nearest_name(const std::string& typed,
                                        const std::vector<std::string>& candidates);

}  // namespace nas
