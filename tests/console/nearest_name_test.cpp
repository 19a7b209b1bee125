#include "nas/console/nearest_name.hpp"

#include <gtest/gtest.h>

namespace nas {
namespace {

TEST(NearestName, EditDistanceCountsASwapOnce) {
  EXPECT_EQ(edit_distance("epochs", "epochs"), 0);
  EXPECT_EQ(edit_distance("epoch", "epochs"), 1);
  EXPECT_EQ(edit_distance("epcohs", "epochs"), 1);
  EXPECT_EQ(edit_distance("", "abc"), 3);
}

TEST(NearestName, SuggestsOnlyAClearlyCloseName) {
  const std::vector<std::string> flags{"--epochs", "--search-epochs", "--cull-ratio",
                                       "--sample-size", "--seed"};
  EXPECT_EQ(nearest_name("--epoch", flags), "--epochs");
  EXPECT_EQ(nearest_name("--cull_ratio", flags), "--cull-ratio");
  EXPECT_EQ(nearest_name("--sampel-size", flags), "--sample-size");
  EXPECT_FALSE(nearest_name("--banana", flags));
  EXPECT_EQ(nearest_name("serch", {"search", "arch", "bench"}), "search");
  EXPECT_FALSE(nearest_name("x", {}));
}

}  // namespace
}  // namespace nas
