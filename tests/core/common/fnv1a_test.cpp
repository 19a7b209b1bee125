#include "nas/core/common/fnv1a.hpp"

#include <gtest/gtest.h>

namespace nas {
namespace {

TEST(Fnv1a, MatchesThePublishedValuesAndContinues) {
  EXPECT_EQ(hex64(fnv1a("", 0)), "cbf29ce484222325");
  EXPECT_EQ(hex64(fnv1a("a", 1)), "af63dc4c8601ec8c");
  EXPECT_EQ(hex64(fnv1a("foobar", 6)), "85944171f73967e8");
  // Continuing a hash equals hashing the concatenation.
  EXPECT_EQ(fnv1a("bc", 2, fnv1a("a", 1)), fnv1a("abc", 3));
}

TEST(Fnv1a, HexHasSixteenDigits) {
  EXPECT_EQ(hex64(0), "0000000000000000");
  EXPECT_EQ(hex64(0xffffffffffffffffull), "ffffffffffffffff");
}

}  // namespace
}  // namespace nas
