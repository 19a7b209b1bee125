#include "nas/console/progress_display.hpp"

#include <gtest/gtest.h>

#include <cstdio>

namespace nas {
namespace {

SearchProgressView busy_search() {
  SearchProgressView v;
  v.finished = 37;
  v.n_trials = 1000;
  v.culled = 12;
  v.failed = 1;
  v.best_id = 31;
  v.best_metric = 36.1234;
  v.elapsed_seconds = 4000;
  v.eta_seconds = 90000;
  for (int i = 0; i < 4; ++i) {
    RunningTrialView t;
    t.id = 38 + i;
    t.epochs_done = i % 3;
    t.epochs = 3;
    if (i) t.accuracy = 70.5 + i;
    t.where = "cuda:" + std::to_string(i);
    t.seconds = 30.0 * i;
    v.running.push_back(t);
  }
  return v;
}

int columns(const std::string& s) {
  int n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

TEST(SearchProgress, NoLineIsWiderThanTheTerminal) {
  for (int width : {20, 40, 59, 60, 80, 120, 200}) {
    for (const auto& line : render_search_progress(busy_search(), width)) {
      EXPECT_LE(columns(line), width) << width << ": " << line;
      EXPECT_EQ(line.find('\n'), std::string::npos);
    }
  }
}

TEST(SearchProgress, WideTerminalsShowEveryRunningTrial) {
  const auto lines = render_search_progress(busy_search(), 120);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_NE(lines[0].find("37/1000 trials"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("ETA 25h 00m"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("best 36.1234 (trial 31)"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("trial 38: epoch 1/3"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("trial 39: epoch 2/3, last accuracy 71.5%"), std::string::npos)
      << lines[2];
  EXPECT_NE(lines[2].find("on cuda:1"), std::string::npos) << lines[2];
}

TEST(SearchProgress, NarrowTerminalsKeepTheBusiestFactsOnOneLine) {
  const auto lines = render_search_progress(busy_search(), 50);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("37/1000 trials"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("ETA"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[0].find("elapsed"), std::string::npos) << lines[0];  // dropped, not cut
}

TEST(SearchProgress, EightyColumnsKeepTheElapsedTimeAndTheBest) {
  const auto lines = render_search_progress(busy_search(), 80);
  EXPECT_NE(lines[0].find("elapsed 1h 07m"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("best 36.1234 (trial 31)"), std::string::npos) << lines[0];
}

TEST(SearchProgress, ARunningTrialShowsItsBatchesAndSpeedWithinTheEpoch) {
  SearchProgressView v = busy_search();
  v.running[0].batch = 120;
  v.running[0].batches = 844;
  v.running[0].images_per_s = 451.4;
  const auto lines = render_search_progress(v, 120);
  EXPECT_NE(lines[1].find("trial 38: epoch 1/3 120/844 451 img/s"), std::string::npos) << lines[1];
}

TEST(SearchProgress, SaysEstimatingBeforeTheFirstTrialEnds) {
  SearchProgressView v = busy_search();
  v.eta_seconds.reset();
  EXPECT_NE(render_search_progress(v, 120)[0].find("ETA estimating"), std::string::npos);
}

TEST(SearchProgress, ManyRunningTrialsAreSummarised) {
  SearchProgressView v = busy_search();
  for (int i = 0; i < 20; ++i) v.running.push_back(v.running.front());
  const auto lines = render_search_progress(v, 120, 8);
  ASSERT_EQ(lines.size(), 10u);
  EXPECT_NE(lines.back().find("and 16 more"), std::string::npos) << lines.back();
}

TEST(TrainingProgress, ShowsLossSpeedAndBothEtasWithinTheWidth) {
  TrainingProgressView v{3, 50, 420, 844, 0.8123, 612.0, 41.0, 3600.0};
  const std::string line = render_training_progress(v, 120);
  for (const char* part :
       {"epoch 3/50", "420/844", "loss 0.8123", "612 img/s", "epoch ETA 41.0s", "run ETA 1h 00m"}) {
    EXPECT_NE(line.find(part), std::string::npos) << part << " in " << line;
  }
  for (int width : {10, 30, 60}) EXPECT_LE(columns(render_training_progress(v, width)), width);
}

TEST(FitWidth, CutsWithAMarkAndCountsColumnsNotBytes) {
  EXPECT_EQ(fit_width("abcdef", 10), "abcdef");
  EXPECT_EQ(fit_width("abcdef", 4), "abc~");
  EXPECT_EQ(fit_width("äöüäöü", 4), "äöü~");
  EXPECT_EQ(fit_width("abc", 0), "");
}

TEST(ProgressBlock, DrawsInPlaceAndPrintsLogLinesAboveIt) {
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  {
    ProgressBlock block(out, /*enabled=*/true);
    block.draw({"one", "two"});
    block.print_above("log line\n", out);
    block.clear();
  }
  std::fclose(out);
  const std::string text(buffer, size);
  std::free(buffer);
  // Drawn, moved up over its second line and erased, the log line, drawn again, erased.
  EXPECT_EQ(text, "one\ntwo\r\033[1A\033[Jlog line\none\ntwo\r\033[1A\033[J");
}

TEST(ProgressBlock, DisabledPrintsOnlyTheLogLines) {
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  {
    ProgressBlock block(out, /*enabled=*/false);
    block.draw({"one"});
    block.print_above("log line\n", out);
    block.clear();
  }
  std::fclose(out);
  EXPECT_EQ(std::string(buffer, size), "log line\n");
  std::free(buffer);
}

}  // namespace
}  // namespace nas
