// `nas export`: the network of a retrain, trial or architecture file as an ONNX model, with a
// sample of its LibTorch logits to check any runtime against.
#include "cli/cli_export.hpp"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/cli.hpp"
#include "nas/core/common/error.hpp"
#include "nas/core/common/text_table.hpp"
#include "nas/core/experiment/architecture_source.hpp"
#include "nas/core/experiment/experiment_store.hpp"
#include "nas/torch/data.hpp"
#include "nas/torch/export_sample.hpp"
#include "nas/torch/model_weights.hpp"
#ifdef NAS_WITH_ONNX
#include "nas/deploy/onnx_model.hpp"
#endif

namespace fs = std::filesystem;

namespace nas {
namespace {

/// Rows of the sample: a fixed batch's, else 8, enough to check batch 1 (the first row) and 8.
constexpr int kDynamicSampleRows = 8;

nlohmann::json json_of(const ExportSample& s) {
  return {{"input_shape", s.input_shape},
          {"input", s.input},
          {"output_shape", s.output_shape},
          {"output", s.output}};
}

#ifdef NAS_WITH_ONNX
std::vector<std::pair<std::string, std::string>> metadata_of(const NetworkExport& r,
                                                             const NetworkPlan& plan,
                                                             const MobileNetV3Space& space) {
  std::vector<std::pair<std::string, std::string>> m;
  m.emplace_back("nas_version", NAS_VERSION);
  if (r.experiment) m.emplace_back("experiment", *r.experiment);
  if (r.trial) m.emplace_back("trial", std::to_string(*r.trial));
  m.emplace_back("space", r.space);
  m.emplace_back("architecture", r.arch.to_json().dump());
  m.emplace_back("arch_key", space.canonical_key(r.arch));
  m.emplace_back("params", std::to_string(count_params(plan)));
  m.emplace_back("macs", std::to_string(count_macs(plan)));
  m.emplace_back("weights", r.weights_file.empty() ? "initial (seed " + std::to_string(r.seed) +
                                                         "): untrained, for timing on a target only"
                                                   : "trained: " + r.weights_file);
  m.emplace_back("input_layout", "NCHW");
  m.emplace_back("input_shape",
                 nlohmann::json{plan.input.channels, plan.input.height, plan.input.width}.dump());
  if (!r.dataset.empty()) {
    const Normalization n = dataset_normalization(r.dataset);
    m.emplace_back("dataset", r.dataset);
    const auto names = dataset_class_names(r.dataset);
    if (static_cast<int>(names.size()) == r.classes)  // not for --classes N of another count
      m.emplace_back("class_names", nlohmann::json(names).dump());
    m.emplace_back("input_mean", nlohmann::json(n.mean).dump());
    m.emplace_back("input_std", nlohmann::json(n.std).dump());
    m.emplace_back("input_preprocessing",
                   "pixels scaled to [0, 1], then (x - input_mean) / input_std per channel");
  }
  return m;
}
#endif

}  // namespace

bool onnx_export_built() {
#ifdef NAS_WITH_ONNX
  return true;
#else
  return false;
#endif
}

std::string sample_path_for(const std::string& model) {
  return fs::path(model).replace_extension(".sample.json").string();
}

ExportedFiles export_network(const NetworkExport& r) {
#ifndef NAS_WITH_ONNX
  (void)r;
  throw RuntimeFailure(
      "this nas was built without ONNX export: install libonnx-dev (scripts/setup.sh does) and "
      "rebuild");
#else
  const MobileNetV3Space space;
  OnnxOptions onnx;
  // 17, or the newest an older ONNX library validates.
  onnx.opset = r.opset > 0 ? r.opset : std::min(17, max_onnx_opset());
  onnx.batch = r.batch;
  check_onnx_options(onnx);
  const fs::path out(r.out);
  const fs::path folder = out.has_parent_path() ? out.parent_path() : fs::path(".");
  if (!fs::is_directory(folder))
    throw InputError(r.out + ": cannot write: no folder " + folder.string());
  if (fs::is_directory(out)) throw InputError(r.out + ": is a folder; --out names the .onnx file");

  MobileNetV3 model = build_model(r.arch, r.input, r.classes, r.seed, space);
  const NetworkPlan& plan = model->plan();
  NetworkWeights weights;
  std::string weights_name = "the initial weights";
  if (r.weights_file.empty()) {
    weights = weights_of(model);
  } else {
    weights = read_weights_file(r.weights_file, plan);
    check_weights(plan, weights, r.weights_file);
    load_weights(model, weights);
    weights_name = r.weights_file;
  }
  onnx.graph_name = r.experiment ? *r.experiment : "nas";
  if (r.trial) onnx.graph_name += "/trial_" + std::to_string(*r.trial);
  onnx.doc = "MobileNetV3 network found by nas " NAS_VERSION;
  onnx.metadata = metadata_of(r, plan, space);
  const std::string bytes = onnx_model_bytes(plan, weights, onnx, weights_name);
  const ExportSample sample =
      export_sample(model, r.batch > 0 ? r.batch : kDynamicSampleRows, r.seed);

  ExportedFiles files;
  files.model = r.out;
  files.sample = sample_path_for(r.out);
  files.model_bytes = bytes.size();
  files.sample_rows = sample.input_shape[0];
  files.opset = onnx.opset;
  // Both written under temporary names first, then both renamed: a failure leaves the earlier
  // pair (if any) as it was, never a model beside another model's sample.
  const std::string model_tmp = files.model + ".exporting";
  const std::string sample_tmp = files.sample + ".exporting";
  auto drop_temporaries = [&] {
    std::error_code ec;
    fs::remove(model_tmp, ec);
    fs::remove(sample_tmp, ec);
  };
  try {
    write_file_atomic(model_tmp, bytes);
    write_file_atomic(sample_tmp, json_of(sample).dump() + "\n");
    fs::rename(model_tmp, files.model);
    fs::rename(sample_tmp, files.sample);
  } catch (const std::exception& e) {
    drop_temporaries();
    throw InputError(files.model + ": cannot write: " + e.what());
  }
  return files;
#endif
}

namespace {

struct ExportCliOptions {
  std::string source;
  std::string weights;
  std::string out;
  ShapeFlags shape;
  bool input_given = false;  // --input or --dataset on the command line
  int batch = 0;
  int opset = 0;  // 0: 17, or the library's newest when older
  std::uint64_t seed = 0;
  std::string log_level = "warn";
};

std::string size_text(std::size_t bytes) {
  char text[32];
  if (bytes >= 1024 * 1024) {
    std::snprintf(text, sizeof text, "%.1f MB", bytes / (1024.0 * 1024.0));
  } else {
    std::snprintf(text, sizeof text, "%.1f KB", bytes / 1024.0);
  }
  return text;
}

void run_export_command(const ExportCliOptions& o) {
  setup_logging(o.log_level);
  if (o.source.empty())
    throw UsageError("name a retrain folder, trial folder or architecture file: nas export <path>");
  if (!onnx_export_built()) export_network({});  // says what to install
  const MobileNetV3Space space;
  NetworkExport r;
  r.opset = o.opset;
  r.batch = o.batch;
  r.seed = o.seed;
  std::string default_out;
  std::string from;
  const fs::path retrain_json = fs::path(o.source) / "retrain.json";
  if (fs::is_regular_file(retrain_json)) {
    // A retrain of nas-test-model: its trained weights, on the data it trained on.
    const RetrainRecord rec = [&] {
      try {
        return retrain_record_from_json(read_json_file(retrain_json.string()));
      } catch (const InputError& e) {
        const std::string what = e.what();
        throw InputError(
            what.rfind(retrain_json.string(), 0) == 0 ? what : retrain_json.string() + ": " + what);
      }
    }();
    space.validate(rec.arch);
    r.arch = rec.arch;
    r.experiment = rec.experiment;
    r.trial = rec.trial;
    r.dataset = rec.dataset.name;
    r.input = InputShape{rec.dataset.shape[0], rec.dataset.shape[1], rec.dataset.shape[2]};
    r.classes = rec.dataset.classes;
    const std::string model_pt = (fs::path(o.source) / "model.pt").string();
    if (o.weights.empty()) {
      if (!fs::is_regular_file(model_pt) && rec.status == TrialStatus::kCompleted &&
          rec.epochs.empty())
        throw InputError(o.source +
                         ": no model.pt: an evaluation (--epochs 0) keeps no weights; export the "
                         "ones it evaluated with --weights " +
                         rec.initial_weights.value_or("FILE"));
      if (!fs::is_regular_file(model_pt))
        throw InputError(o.source + ": no model.pt: this retrain did not finish (" +
                         std::string(to_string(rec.status)) +
                         "); resume it with nas-test-model --resume " + o.source +
                         ", or give --weights");
      r.weights_file = model_pt;
    }
    default_out = (fs::path(o.source) / "model.onnx").string();
    from = "the trained weights of " + o.source;
  } else {
    const ArchitectureSource source = read_architecture_source(o.source, space);
    r.arch = source.arch;
    if (source.experiment) {
      r.experiment = source.experiment->id;
      r.space = source.experiment->options.space;
      const auto& d = source.experiment->dataset;
      r.dataset = d.name.empty() ? source.experiment->options.dataset : d.name;
      if (d.shape[0] > 0) {
        r.input = InputShape{d.shape[0], d.shape[1], d.shape[2]};
        r.classes = d.classes;
      }
    } else {
      std::tie(r.input, r.classes) = resolve_shape(o.shape);
      r.dataset = o.shape.dataset;
    }
    if (source.trial) r.trial = source.trial->id;
    const fs::path file(source.file);
    const bool trial_file = source.trial || file.filename() == "parameter.cfg";
    default_out = trial_file ? (file.parent_path() / "model.onnx").string()
                             : fs::path(file).replace_extension(".onnx").string();
    from = "seeded initial weights (seed " + std::to_string(r.seed) +
           "; search trials keep no weights): for timing on a target, not for predictions";
  }
  // Each flag replaces what it names: --classes alone keeps the source's input.
  if (o.input_given) {
    const int classes = r.classes;
    std::tie(r.input, r.classes) = resolve_shape(o.shape);
    r.dataset = o.shape.input.empty() ? o.shape.dataset : "";
    if (o.shape.classes == 0 && !o.shape.input.empty()) r.classes = classes;
  }
  if (o.shape.classes > 0) r.classes = resolve_shape(o.shape).second;
  if (!o.weights.empty()) {
    r.weights_file = o.weights;
    from = "the weights of " + o.weights;
  }
  r.out = o.out.empty() ? default_out : o.out;
  const ExportedFiles f = export_network(r);
  std::printf("wrote %s (%s, opset %d, batch %s, input %dx%dx%d, %d classes)\n", f.model.c_str(),
              size_text(f.model_bytes).c_str(), f.opset,
              r.batch > 0 ? std::to_string(r.batch).c_str() : "dynamic", r.input.channels,
              r.input.height, r.input.width, r.classes);
  std::printf("weights: %s\n", from.c_str());
  std::printf("wrote %s (%lld input rows and LibTorch's logits for them, to check a runtime)\n",
              f.sample.c_str(), static_cast<long long>(f.sample_rows));
}

}  // namespace

void setup_export(CLI::App& app) {
  auto o = std::make_shared<ExportCliOptions>();
  auto* cmd = app.add_subcommand(
      "export",
      "write a network as an ONNX model (ONNX Runtime, TensorRT), with a sample to check "
      "a runtime against");
  cmd->add_option("source", o->source,
                  "a retrain folder of nas-test-model (its trained weights), a trial folder or "
                  "trial.json, or an architecture file (seeded initial weights)")
      ->type_name("PATH");
  cmd->add_option("--weights", o->weights,
                  "weights to export: a model.pt of nas-test-model, or a state dict file "
                  "(model_state_dict.pt, our names or NNI 2.7's)")
      ->type_name("FILE");
  cmd->add_option("--out", o->out,
                  "the .onnx file (default: model.onnx in the retrain or trial folder, or the "
                  "architecture file's name with .onnx); X.sample.json is written beside it")
      ->type_name("FILE");
  cmd->add_option("--batch", o->batch, "fix the batch dimension to N (default: dynamic)")
      ->check(positive());
  cmd->add_option("--opset", o->opset,
                  "ONNX opset, 14 to the newest the ONNX library validates (default: 17)");
  cmd->add_option("--seed", o->seed,
                  "seed of the initial weights (without trained ones) and of the sample's input")
      ->capture_default_str()
      ->check(seed_range());
  add_shape_flags(*cmd, o->shape);
  add_log_level_flag(*cmd, o->log_level);
  cmd->callback([o, cmd] {
    o->input_given = flag_given(*cmd, "--dataset") || flag_given(*cmd, "--input");
    run_export_command(*o);
  });
}

}  // namespace nas
