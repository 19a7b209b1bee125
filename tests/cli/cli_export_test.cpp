// `nas export` as a user runs it: from an architecture file, a trial, a retrain (and
// nas-test-model's own export), the sample beside the model, and every refusal leaving no file.
// That ONNX Runtime computes the sample's logits is scripts/peer/onnx-parity.sh's (ctest -L peer).
#include "cli/cli_export.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "cli_fixture.hpp"
#include "nas/core/search/nb201_space.hpp"
#include "nas/torch/model.hpp"

namespace nas {
namespace {

class ExportTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    if (!onnx_export_built()) GTEST_SKIP() << "built without libonnx-dev";
  }

  /// Nothing named X.onnx or X.sample.json, nor a temporary file, is left in `folder`.
  void expect_no_export_in(const std::string& folder) const {
    for (const auto& e : fs::directory_iterator(folder)) {
      const std::string name = e.path().filename().string();
      EXPECT_EQ(name.find(".onnx"), std::string::npos) << name;
      EXPECT_EQ(name.find(".sample.json"), std::string::npos) << name;
    }
  }

  static const std::string kTrain;
};

const std::string ExportTest::kTrain =
    " --dataset synthetic --train-subset 128 --eval-subset 64 --epochs 1 --threads 1 --seed 2 "
    "--latency-batch 8 --log-level warn";

TEST_F(ExportTest, AnArchitectureFileGivesAModelAndASampleBesideIt) {
  const std::string arch = write_small_arch("net.json");
  const Result r = run("nas", "export " + quote(arch));
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string model = path("net.onnx"), sample = path("net.sample.json");
  ASSERT_TRUE(fs::exists(model));
  EXPECT_GT(fs::file_size(model), 100000u);
  EXPECT_NE(r.out.find("wrote " + model), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("batch dynamic, input 1x28x28, 10 classes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("seeded initial weights"), std::string::npos) << r.out;
  const nlohmann::json s = nlohmann::json::parse(slurp(sample));
  EXPECT_EQ(s.at("input_shape"), (std::vector<int>{8, 1, 28, 28}));
  EXPECT_EQ(s.at("output_shape"), (std::vector<int>{8, 10}));
  EXPECT_EQ(s.at("input").size(), 8u * 28 * 28);
  EXPECT_EQ(s.at("output").size(), 80u);
  // The metadata travels in the file as plain strings.
  const std::string bytes = slurp(model);
  for (const char* key : {"nas_version", "architecture", "arch_key", "class_names", "input_mean",
                          "input_std", "input_layout", "Ankle boot"})
    EXPECT_NE(bytes.find(key), std::string::npos) << key;
}

TEST_F(ExportTest, TheSameSeedWritesTheSameFiles) {
  const std::string arch = write_small_arch("net.json");
  ASSERT_EQ(run("nas", "export " + quote(arch) + " --out " + quote(path("a.onnx"))).code, 0);
  ASSERT_EQ(run("nas", "export " + quote(arch) + " --out " + quote(path("b.onnx"))).code, 0);
  EXPECT_EQ(slurp(path("a.onnx")), slurp(path("b.onnx")));
  EXPECT_EQ(slurp(path("a.sample.json")), slurp(path("b.sample.json")));
  ASSERT_EQ(run("nas", "export " + quote(arch) + " --seed 9 --out " + quote(path("c.onnx"))).code,
            0);
  EXPECT_NE(slurp(path("a.onnx")), slurp(path("c.onnx")));
}

TEST_F(ExportTest, ShapeBatchAndOpsetFlagsShapeTheFiles) {
  const std::string arch = write_small_arch("net.json");
  const Result r = run("nas", "export " + quote(arch) +
                                  " --input 3,16,16 --classes 5 --batch 2 --opset 14 --out " +
                                  quote(path("x.onnx")));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("opset 14, batch 2, input 3x16x16, 5 classes"), std::string::npos) << r.out;
  const nlohmann::json s = nlohmann::json::parse(slurp(path("x.sample.json")));
  EXPECT_EQ(s.at("input_shape"), (std::vector<int>{2, 3, 16, 16}));
  EXPECT_EQ(s.at("output_shape"), (std::vector<int>{2, 5}));
  // --input alone names no data set: no class names or normalisation are claimed.
  EXPECT_EQ(slurp(path("x.onnx")).find("class_names"), std::string::npos);
}

TEST_F(ExportTest, ClassesAloneKeepTheInputAndNamesAreOnlyGivenForEveryClass) {
  const std::string arch = write_small_arch("net.json");
  const Result r = run("nas", "export " + quote(arch) + " --classes 5");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("input 1x28x28, 5 classes"), std::string::npos) << r.out;
  const std::string bytes = slurp(path("net.onnx"));
  EXPECT_EQ(bytes.find("class_names"), std::string::npos);  // Fashion-MNIST names ten
  EXPECT_NE(bytes.find("input_mean"), std::string::npos);
}

TEST_F(ExportTest, ARetrainExportsItsTrainedWeightsAndNasTestModelAlreadyDid) {
  const std::string out = path("retrain");
  const Result t =
      run("nas-test-model", quote(write_small_arch()) + kTrain + " --out " + quote(out));
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_TRUE(fs::exists(out + "/model.onnx")) << t.out;
  EXPECT_TRUE(fs::exists(out + "/model.sample.json"));
  EXPECT_NE(t.out.find("wrote " + out + "/model.onnx"), std::string::npos) << t.out;
  const std::string first = slurp(out + "/model.onnx");
  const std::string trained = "trained: " + out + "/model.pt";
  EXPECT_NE(first.find(trained), std::string::npos);

  fs::remove(out + "/model.onnx");
  const Result e = run("nas", "export " + quote(out));
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_NE(e.out.find("the trained weights of " + out), std::string::npos) << e.out;
  // The data it trained on: synthetic's 3x32x32.
  EXPECT_NE(e.out.find("input 3x32x32"), std::string::npos) << e.out;
  EXPECT_EQ(slurp(out + "/model.onnx"), first);

  // The same weights by their state dict for Python (NNI 2.7's names) give the same model, less
  // the metadata line naming the file.
  const Result sd =
      run("nas", "export " + quote(write_small_arch()) + " --dataset synthetic" + " --weights " +
                     quote(out + "/model_state_dict.pt") + " --out " + quote(path("sd.onnx")));
  ASSERT_EQ(sd.code, 0) << sd.err;
  EXPECT_EQ(slurp(path("sd.sample.json")), slurp(out + "/model.sample.json"));
}

TEST_F(ExportTest, NoExportSkipsItAndAnUnfinishedRetrainIsRefused) {
  const std::string out = path("retrain");
  const Result t = run("nas-test-model",
                       quote(write_small_arch()) + kTrain + " --no-export --out " + quote(out));
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_FALSE(fs::exists(out + "/model.onnx"));
  fs::remove(out + "/model.pt");
  const Result e = run("nas", "export " + quote(out));
  EXPECT_EQ(e.code, 2);
  expect_one_line_error(e, "nas", "no model.pt");
  expect_no_export_in(out);
}

TEST_F(ExportTest, WeightsOfAnotherArchitectureAreRefusedByKey) {
  MobileNetV3Space space;
  MobileNetV3 other = build_model(space.largest(), InputShape{1, 28, 28}, 10, 1, space);
  torch::save(other, path("other.pt"));
  const std::string arch = write_small_arch("net.json");
  const Result r = run("nas", "export " + quote(arch) + " --weights " + quote(path("other.pt")));
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", path("other.pt") + ": '");
  expect_no_export_in(dir_.string());

  // A file that holds no tensors at all.
  const Result junk =
      run("nas", "export " + quote(arch) + " --weights " + quote(write("junk.pt", "not a model")));
  EXPECT_EQ(junk.code, 2);
  expect_one_line_error(junk, "nas", "not a weights file");
  const Result missing =
      run("nas", "export " + quote(arch) + " --weights " + quote(path("missing.pt")));
  EXPECT_EQ(missing.code, 2);
  expect_one_line_error(missing, "nas", "no such weights file");
  expect_no_export_in(dir_.string());
}

TEST_F(ExportTest, BadInputExits2AndLeavesNoFile) {
  const std::string arch = write_small_arch("net.json");
  const Result opset = run("nas", "export " + quote(arch) + " --opset 12");
  EXPECT_EQ(opset.code, 2);
  expect_one_line_error(opset, "nas", "--opset must be from 14");
  const Result folder = run("nas", "export " + quote(arch) + " --out " + quote(path("no/x.onnx")));
  EXPECT_EQ(folder.code, 2);
  expect_one_line_error(folder, "nas", path("no/x.onnx"));
  const Result batch = run("nas", "export " + quote(arch) + " --batch 0");
  EXPECT_EQ(batch.code, 2);
  expect_no_export_in(dir_.string());

  // A NAS-Bench-201 cell has no network.
  const Architecture cell = Nb201Space::architecture_of(read_nb201_cell(
      "|nor_conv_3x3~0|+|skip_connect~0|none~1|+|avg_pool_3x3~0|nor_conv_1x1~1|skip_connect~2|"));
  const Result nb = run("nas", "export " + quote(write("cell.json", cell.to_json().dump())));
  EXPECT_EQ(nb.code, 2);
  expect_one_line_error(nb, "nas", "no network to build");
  expect_no_export_in(dir_.string());
}

}  // namespace
}  // namespace nas
