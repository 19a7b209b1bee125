// The layers hold: every #include in src/, include/ and the libraries' tests against which
// library may use which (CMakeLists.txt's NAS_LAYER_* lists, written to NAS_LAYERS_FILE), and the
// few system headers only one place may include. A file's library is its folder:
// src/<library>/, include/nas/<library>/, tests/<library>/ (core's roles, core/search and the
// like, are all core). Public headers are included as "nas/<library>/x.hpp"; a private one,
// "<library>/x.hpp", only from its own library and that library's tests.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = NAS_SOURCE_DIR;

using Layers = std::map<std::string, std::set<std::string>>;

Layers read_layers() {
  Layers layers;
  std::ifstream in(NAS_LAYERS_FILE);
  for (std::string line; std::getline(in, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream deps(line.substr(colon + 1));
    auto& allowed = layers[line.substr(0, colon)];
    for (std::string d; deps >> d;) allowed.insert(d);
  }
  return layers;
}

struct Include {
  std::string text;  // what is between the quotes or angle brackets
  bool angled;
  int line;
};

std::vector<Include> includes_of(const fs::path& file) {
  static const std::regex kInclude(R"(^\s*#\s*include\s*([<"])([^>"]+)[>"])");
  std::vector<Include> out;
  std::ifstream in(file);
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    std::smatch m;
    if (std::regex_search(line, m, kInclude)) out.push_back({m[2], m[1] == "<", n});
  }
  return out;
}

/// The library a path (relative to the root) belongs to, or "" for files outside the layers.
std::string library_of(const fs::path& rel, const Layers& layers) {
  std::vector<std::string> parts;
  for (const auto& p : rel) parts.push_back(p.string());
  std::string lib;
  if (parts.size() >= 3 && parts[0] == "src") lib = parts[1];
  if (parts.size() >= 4 && parts[0] == "include" && parts[1] == "nas") lib = parts[2];
  if (parts.size() >= 3 && parts[0] == "tests") lib = parts[1];
  if (parts.size() >= 3 && parts[0] == "tests" && parts[1] == "fuzz") lib = "core";
  return layers.count(lib) ? lib : "";
}

/// The library an include names: "nas/<library>/..." (public) or "<library>/..." (private).
std::pair<std::string, bool> target_of(const std::string& include, const Layers& layers) {
  const auto slash = include.find('/');
  if (slash == std::string::npos) return {"", false};
  if (include.rfind("nas/", 0) == 0) {
    const auto next = include.find('/', 4);
    const std::string lib = include.substr(4, next == std::string::npos ? 0 : next - 4);
    return {layers.count(lib) ? lib : "", false};
  }
  const std::string lib = include.substr(0, slash);
  return {layers.count(lib) ? lib : "", true};
}

bool is_source(const fs::path& p) {
  const auto ext = p.extension();
  return ext == ".cpp" || ext == ".hpp";
}

std::vector<fs::path> sources() {
  std::vector<fs::path> out;
  for (const char* top : {"src", "include", "tests"}) {
    for (const auto& e : fs::recursive_directory_iterator(kRoot / top)) {
      if (e.is_regular_file() && is_source(e.path())) out.push_back(e.path());
    }
  }
  return out;
}

TEST(Layers, EveryIncludeStaysInsideWhatItsLibraryMayUse) {
  const Layers layers = read_layers();
  ASSERT_EQ(layers.size(), 7u) << "read from " << NAS_LAYERS_FILE;
  std::vector<std::string> crossings;
  std::size_t checked = 0;
  for (const auto& file : sources()) {
    const fs::path rel = fs::relative(file, kRoot);
    const std::string lib = library_of(rel, layers);
    if (lib.empty()) continue;
    const bool is_test = rel.begin()->string() == "tests";
    for (const auto& inc : includes_of(file)) {
      if (inc.angled) continue;
      const auto [target, is_private] = target_of(inc.text, layers);
      if (target.empty()) continue;
      ++checked;
      const std::string where = rel.string() + ":" + std::to_string(inc.line) + " (" + lib +
                                ") includes \"" + inc.text + "\"";
      if (!layers.at(lib).count(target)) {
        crossings.push_back(where + ": " + lib + " may not use " + target);
      } else if (is_private && target != lib) {
        crossings.push_back(where + ": a header private to " + target);
      } else if (is_private && !is_test && rel.begin()->string() == "include") {
        crossings.push_back(where + ": a public header including a private one");
      }
    }
  }
  EXPECT_GT(checked, 300u);  // the walk found the tree
  for (const auto& c : crossings) ADD_FAILURE() << c;
}

TEST(Layers, SystemHeadersStayWhereTheyBelong) {
  const Layers layers = read_layers();
  // LibTorch only in torch, cli and their tests; MPI and the CUDA runtime in one file each;
  // the HTTP server only in web; ONNX's library (and the protobuf it needs, which is not
  // LibTorch's) only in deploy.
  const std::vector<std::pair<std::regex, std::set<std::string>>> rules = {
      {std::regex(R"(^(torch|ATen|c10|caffe2)/)"), {"torch", "cli"}},
      {std::regex(R"(^httplib\.h$)"), {"web"}},
      {std::regex(R"(^(onnx|google/protobuf)/)"), {"deploy"}},
  };
  const std::map<std::string, std::string> one_file = {
      {"mpi.h", "src/dist/mpi_channel.cpp"},
      {"cuda_runtime_api.h", "src/torch/gpu_runtime.cpp"},
      {"cuda_runtime.h", "src/torch/gpu_runtime.cpp"},
  };
  std::vector<std::string> wrong;
  for (const auto& file : sources()) {
    const fs::path rel = fs::relative(file, kRoot);
    const std::string lib = library_of(rel, layers);
    for (const auto& inc : includes_of(file)) {
      const std::string where =
          rel.string() + ":" + std::to_string(inc.line) + " includes <" + inc.text + ">";
      if (const auto it = one_file.find(inc.text); it != one_file.end()) {
        if (rel.string() != it->second && rel.begin()->string() == "src")
          wrong.push_back(where + ": only " + it->second + " may");
        continue;
      }
      if (lib.empty() || !inc.angled) continue;
      for (const auto& [pattern, allowed] : rules) {
        if (std::regex_search(inc.text, pattern) && !allowed.count(lib))
          wrong.push_back(where + ": not in " + lib);
      }
    }
  }
  for (const auto& w : wrong) ADD_FAILURE() << w;
}

TEST(Layers, TheRulesCatchACrossing) {
  const Layers layers = read_layers();
  EXPECT_EQ(library_of("src/core/search/strategy.cpp", layers), "core");
  EXPECT_EQ(library_of("include/nas/torch/model.hpp", layers), "torch");
  EXPECT_EQ(library_of("tests/web/dashboard_api_test.cpp", layers), "web");
  EXPECT_EQ(library_of("tests/e2e_helpers.hpp", layers), "");
  EXPECT_EQ(target_of("nas/torch/model.hpp", layers), std::make_pair(std::string("torch"), false));
  EXPECT_EQ(target_of("torch/depthwise.hpp", layers), std::make_pair(std::string("torch"), true));
  EXPECT_EQ(target_of("e2e_helpers.hpp", layers).first, "");
  // core may use nothing but core; cli may use everything.
  EXPECT_FALSE(layers.at("core").count("torch"));
  EXPECT_FALSE(layers.at("web").count("console"));
  EXPECT_TRUE(layers.at("cli").count("web"));
  // The exporter never sees LibTorch; the CLI hands it plain floats.
  EXPECT_FALSE(layers.at("deploy").count("torch"));
  EXPECT_TRUE(layers.at("cli").count("deploy"));
}

}  // namespace
