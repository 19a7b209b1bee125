#pragma once
// What a user watches during a long run: the search's status block (trials done, best, ETA, and
// what each running trial is doing) and nas-test-model's training line, both fitted to the
// terminal's width (shortened, never wrapped) and drawn only on a terminal. Rendering is pure,
// so tests check it line by line; ProgressBlock does the terminal work.
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace nas {

/// One running trial as the status block shows it.
struct RunningTrialView {
  int id = 0;
  int epochs_done = 0;
  int epochs = 0;
  std::optional<double> accuracy;  // after its last finished epoch
  std::string where;               // device, and host when a search spans machines
  double seconds = 0;              // since it started
  long batch = 0;                  // within the epoch in progress (0: none reported yet)
  long batches = 0;
  std::optional<double> images_per_s;  // in the epoch in progress
};

struct SearchProgressView {
  int finished = 0;
  int n_trials = 0;
  int completed = 0;
  int culled = 0;
  int failed = 0;
  int rejected = 0;
  std::optional<int> best_id;
  std::optional<double> best_metric;
  double elapsed_seconds = 0;
  std::optional<double> eta_seconds;      // nullopt until a trial has finished or run an epoch
  std::vector<RunningTrialView> running;  // by id
};

/// The status block for a terminal `width` columns wide: a summary line, then (when the terminal
/// is at least 60 columns wide) one line per running trial, at most `max_rows` of them. No line
/// is longer than `width`.
std::vector<std::string> render_search_progress(const SearchProgressView& view, int width,
                                                int max_rows = 8);

/// nas-test-model's line for a batch of an epoch, fitted to `width`.
struct TrainingProgressView {
  int epoch = 0;  // 1-based
  int epochs = 0;
  long batch = 0;
  long batches = 0;
  std::optional<double> loss;  // running mean of the epoch so far
  std::optional<double> images_per_s;
  std::optional<double> epoch_eta_seconds;
  std::optional<double> run_eta_seconds;
};
std::string render_training_progress(const TrainingProgressView& view, int width);

/// The text cut to `width` columns (UTF-8 aware for the few non-ASCII symbols used), with an
/// ellipsis when something was cut.
std::string fit_width(const std::string& text, int width);

/// The width of the terminal on `fd`, else $COLUMNS, else 80.
int terminal_width(int fd);

/// A block of lines redrawn in place at the bottom of a terminal. Thread-safe. Text printed
/// through print_above appears above the block and never mixes with it.
class ProgressBlock {
 public:
  /// `enabled` false (not a terminal): draw and clear do nothing, print_above just prints.
  ProgressBlock(std::FILE* out, bool enabled) : out_(out), enabled_(enabled) {}
  void draw(const std::vector<std::string>& lines);
  void clear();
  void print_above(const std::string& text, std::FILE* stream);
  bool enabled() const { return enabled_; }

 private:
  void erase_locked();
  std::FILE* out_;
  bool enabled_;
  std::mutex mutex_;
  std::vector<std::string> shown_;
};

}  // namespace nas
