#include "nas/console/progress_display.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "nas/core/report/report.hpp"

namespace nas {
namespace {

/// Columns the text takes: bytes, less UTF-8 continuation bytes.
int columns(const std::string& s) {
  int n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

std::string percent(double v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", v);
  return buf;
}

std::string eta_text(const std::optional<double>& seconds) {
  return seconds ? format_duration(*seconds) : "estimating";
}

/// Joins the parts that fit in `width`, dropping the ones at the end (the least important) whole
/// rather than cutting them.
std::string join_fitting(const std::vector<std::string>& parts, int width) {
  std::string out;
  for (const auto& p : parts) {
    const std::string next = out.empty() ? p : out + ", " + p;
    if (columns(next) > width) break;
    out = next;
  }
  return out.empty() ? fit_width(parts.front(), width) : out;
}

}  // namespace

std::string fit_width(const std::string& text, int width) {
  if (width <= 0) return "";
  if (columns(text) <= width) return text;
  if (width == 1) return ".";
  std::string out;
  int n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const bool starts = (c & 0xc0) != 0x80;
    if (starts && n == width - 1) break;
    out += text[i];
    n += starts;
  }
  return out + "~";
}

std::vector<std::string> render_search_progress(const SearchProgressView& v, int width,
                                                int max_rows) {
  const int bar_width = std::clamp(width / 10, 5, 20);
  const int filled = v.n_trials > 0 ? bar_width * v.finished / v.n_trials : 0;
  const std::string bar = "[" + std::string(static_cast<std::size_t>(filled), '#') +
                          std::string(static_cast<std::size_t>(bar_width - filled), ' ') + "]";
  // Most important first: what is done, when it ends, how long it has run, what is best; then
  // the counts (the running trials have lines of their own below).
  std::vector<std::string> parts{
      bar + " " + std::to_string(v.finished) + "/" + std::to_string(v.n_trials) + " trials",
      "ETA " + eta_text(v.eta_seconds), "elapsed " + format_duration(v.elapsed_seconds)};
  if (v.best_metric) {
    char best[64];
    std::snprintf(best, sizeof best, "best %.4f (trial %d)", *v.best_metric,
                  v.best_id.value_or(-1));
    parts.push_back(best);
  }
  parts.push_back(std::to_string(v.culled) + " culled");
  if (v.failed > 0) parts.push_back(std::to_string(v.failed) + " failed");
  if (v.rejected > 0) parts.push_back(std::to_string(v.rejected) + " rejected");
  parts.push_back(std::to_string(v.running.size()) + " running");
  std::vector<std::string> lines{join_fitting(parts, width)};
  if (width < 60) return lines;
  const int rows = std::min<int>(static_cast<int>(v.running.size()), max_rows);
  for (int i = 0; i < rows; ++i) {
    const RunningTrialView& t = v.running[static_cast<std::size_t>(i)];
    std::string line = "  trial " + std::to_string(t.id) + ": epoch " +
                       std::to_string(std::min(t.epochs_done + 1, t.epochs)) + "/" +
                       std::to_string(t.epochs);
    if (t.batches > 0) {
      line += " " + std::to_string(t.batch) + "/" + std::to_string(t.batches);
      if (t.images_per_s) {
        char rate[32];
        std::snprintf(rate, sizeof rate, " %.0f img/s", *t.images_per_s);
        line += rate;
      }
    }
    if (t.accuracy) line += ", last accuracy " + percent(*t.accuracy);
    line += ", " + format_duration(t.seconds);
    if (!t.where.empty()) line += " on " + t.where;
    lines.push_back(fit_width(line, width));
  }
  if (static_cast<int>(v.running.size()) > rows) {
    lines.push_back(
        fit_width("  ... and " + std::to_string(v.running.size() - rows) + " more", width));
  }
  return lines;
}

std::string render_training_progress(const TrainingProgressView& v, int width) {
  const int bar_width = std::clamp(width / 5, 5, 30);
  const long filled = v.batches > 0 ? bar_width * v.batch / v.batches : 0;
  std::vector<std::string> parts{"epoch " + std::to_string(v.epoch) + "/" +
                                 std::to_string(v.epochs) + " [" +
                                 std::string(static_cast<std::size_t>(filled), '=') +
                                 std::string(static_cast<std::size_t>(bar_width - filled), ' ') +
                                 "] " + std::to_string(v.batch) + "/" + std::to_string(v.batches)};
  char buf[64];
  if (v.loss) {
    std::snprintf(buf, sizeof buf, "loss %.4f", *v.loss);
    parts.push_back(buf);
  }
  if (v.images_per_s) {
    std::snprintf(buf, sizeof buf, "%.0f img/s", *v.images_per_s);
    parts.push_back(buf);
  }
  parts.push_back("epoch ETA " + eta_text(v.epoch_eta_seconds));
  parts.push_back("run ETA " + eta_text(v.run_eta_seconds));
  return join_fitting(parts, width);
}

int terminal_width(int fd) {
  winsize w{};
  if (::ioctl(fd, TIOCGWINSZ, &w) == 0 && w.ws_col > 0) return w.ws_col;
  if (const char* c = std::getenv("COLUMNS")) {
    const int n = std::atoi(c);
    if (n > 0) return n;
  }
  return 80;
}

void ProgressBlock::erase_locked() {
  if (shown_.empty()) return;
  // To the start of the first line of the block, then clear to the end of the screen.
  std::fprintf(out_, "\r");
  if (shown_.size() > 1) std::fprintf(out_, "\033[%zuA", shown_.size() - 1);
  std::fprintf(out_, "\033[J");
  shown_.clear();
}

void ProgressBlock::draw(const std::vector<std::string>& lines) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  erase_locked();
  for (std::size_t i = 0; i < lines.size(); ++i)
    std::fprintf(out_, "%s%s", i ? "\n" : "", lines[i].c_str());
  std::fflush(out_);
  shown_ = lines;
}

void ProgressBlock::clear() {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  erase_locked();
  std::fflush(out_);
}

void ProgressBlock::print_above(const std::string& text, std::FILE* stream) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto lines = shown_;
  if (enabled_) erase_locked();
  std::fputs(text.c_str(), stream);
  std::fflush(stream);
  if (enabled_ && !lines.empty()) {
    for (std::size_t i = 0; i < lines.size(); ++i)
      std::fprintf(out_, "%s%s", i ? "\n" : "", lines[i].c_str());
    std::fflush(out_);
    shown_ = lines;
  }
}

}  // namespace nas
