#include "nas/core/experiment/data_fingerprint.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "nas/core/common/error.hpp"

namespace nas {
namespace {

DataFingerprint sample() {
  DataFingerprint f;
  f.dataset = "fashion-mnist";
  f.split = "validation";
  f.train_size = 54000;
  f.eval_size = 6000;
  f.shape = "1,28,28";
  f.classes = 10;
  f.train_images = "1111111111111111";
  f.train_labels = "2222222222222222";
  f.eval_images = "3333333333333333";
  f.eval_labels = "4444444444444444";
  return f;
}

TEST(DataFingerprint, EqualFingerprintsHaveNoDifference) {
  EXPECT_FALSE(describe_difference(sample(), sample()));
}

TEST(DataFingerprint, NamesTheFirstDifferenceCoarseFactsFirst) {
  DataFingerprint b = sample();
  b.train_size = 2000;
  b.train_images = "ffffffffffffffff";
  EXPECT_EQ(describe_difference(b, sample()), "training images: 2000 vs 54000");
  b = sample();
  b.eval_labels = "0000000000000000";
  EXPECT_EQ(describe_difference(b, sample()),
            "evaluation labels (hash): '0000000000000000' vs '4444444444444444'");
  b = sample();
  b.dataset = "mnist";
  EXPECT_EQ(describe_difference(b, sample()), "data set: 'mnist' vs 'fashion-mnist'");
}

TEST(DataFingerprint, JsonRoundTripsAndNamesBadFields) {
  const auto j = to_json(sample());
  EXPECT_FALSE(describe_difference(data_fingerprint_from_json(j), sample()));
  auto bad = j;
  bad.erase("train_labels");
  EXPECT_THROW(data_fingerprint_from_json(bad), InputError);
}

}  // namespace
}  // namespace nas
