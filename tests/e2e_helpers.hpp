#pragma once
// Helpers of the end-to-end tests that run the real executables: tiny searches on synthetic data,
// processes spawned and waited for, experiment folders read back.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace nas::e2e {

namespace fs = std::filesystem;
using nlohmann::json;

inline const std::string kNas = std::string(NAS_BIN_DIR) + "/nas";

/// Flags of a search small enough for a test: tiny synthetic data, small latency batches.
inline std::vector<std::string> tiny_search(const std::string& root, int n_trials,
                                            int threads = 2) {
  return {kNas,
          "search",
          "--dataset",
          "synthetic",
          "--train-subset",
          "128",
          "--eval-subset",
          "64",
          "--n-trials",
          std::to_string(n_trials),
          "--max-population",
          "4",
          "--sample-size",
          "2",
          "--epochs",
          "3",
          "--latency-batch",
          "16",
          "--threads",
          std::to_string(threads),
          "--device",
          "cpu",
          "--experiment-dir",
          root,
          "--log-level",
          "warn"};
}

inline pid_t spawn(const std::vector<std::string>& args) {
  pid_t pid = fork();
  if (pid == 0) {
    freopen("/dev/null", "w", stdout);
    freopen("/dev/null", "w", stderr);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

/// Runs argv to its end (output discarded) and returns its exit code.
inline int run(const std::vector<std::string>& args) {
  int status = 0;
  waitpid(spawn(args), &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

inline std::vector<std::string> with(std::vector<std::string> base,
                                     const std::vector<std::string>& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

inline json read(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}

inline std::string only_experiment(const std::string& root) {
  std::vector<std::string> ids;
  for (const auto& e : fs::directory_iterator(root)) ids.push_back(e.path().filename().string());
  EXPECT_EQ(ids.size(), 1u);
  return ids.empty() ? "" : ids.front();
}

inline std::vector<json> trials(const fs::path& exp) {
  std::vector<json> out;
  for (const auto& d : fs::directory_iterator(exp / "trials")) {
    if (fs::exists(d.path() / "trial.json")) out.push_back(read(d.path() / "trial.json"));
  }
  std::sort(out.begin(), out.end(), [](const json& a, const json& b) { return a["id"] < b["id"]; });
  return out;
}

inline int count_finished(const fs::path& exp) {
  int n = 0;
  if (!fs::exists(exp / "trials")) return 0;
  for (const auto& d : fs::directory_iterator(exp / "trials")) {
    try {
      const json t = read(d.path() / "trial.json");
      const std::string s = t["status"];
      n += s == "completed" || s == "culled" || s == "failed";
    } catch (const std::exception&) {
    }
  }
  return n;
}

/// The id of the one experiment under root once `n` of its trials have finished (or "" after
/// two minutes).
inline std::string wait_for_finished_trials(const std::string& root, int n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::string id;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (id.empty() && fs::exists(root) && !fs::is_empty(root))
      id = fs::directory_iterator(root)->path().filename().string();
    if (!id.empty() && count_finished(fs::path(root) / id) >= n) return id;
  }
  return id;
}

/// A fresh folder under the system's temporary folder.
inline std::string make_temp_root(const std::string& prefix) {
  static int counter = 0;
  const fs::path p = fs::temp_directory_path() /
                     (prefix + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

/// Sends SIGINT (a ^C) to `pid` and waits for it to end; returns waitpid's status.
inline int interrupt_and_wait(pid_t pid) {
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

/// A file's whole content ("" when it cannot be read).
inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// `s` as one shell word.
inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// How a program ended and what it printed.
struct Captured {
  int code = -1;
  std::string out;
  std::string err;
};

/// Runs `program args` through the shell (`args` are shell words, quoted by the caller) with
/// stdin closed, stdout and stderr into files of `scratch`, and NAS_EXPERIMENT_DIR cleared so
/// nothing points elsewhere. A run that hangs is killed after four minutes and answers 124, so a
/// hang fails its test instead of stalling the suite.
inline Captured run_program(const std::string& program, const std::string& args,
                            const fs::path& scratch) {
  fs::create_directories(scratch);
  const fs::path out = scratch / "stdout.txt", err = scratch / "stderr.txt";
  const std::string cmd = "timeout -k 10 240 env -u NAS_EXPERIMENT_DIR " + quote(program) + " " +
                          args + " >" + quote(out.string()) + " 2>" + quote(err.string()) +
                          " </dev/null";
  const int status = std::system(cmd.c_str());
  Captured r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

/// Runs argv to its end with stdout and stderr together in `log`; returns the exit code and
/// what it printed (killed after four minutes, as run_program).
inline std::pair<int, std::string> run_captured(const std::vector<std::string>& args,
                                                const fs::path& log) {
  std::string cmd = "timeout -k 10 240 ";
  for (const auto& a : args) cmd += quote(a) + " ";
  cmd += ">" + quote(log.string()) + " 2>&1 </dev/null";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), slurp(log)};
}

}  // namespace nas::e2e
