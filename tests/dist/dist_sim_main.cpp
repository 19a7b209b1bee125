// nas_dist_sim: a search over MPI ranks whose trials only sleep, for measuring how the
// distributed search scales (scripts/dist-bench.sh). Rank 0 drives the real search loop, store
// and cull policy; every other rank runs the real worker loop with `--slots` trial threads, each
// trial sleeping `--epoch-seconds` per epoch and scoring its architecture without training.
// Prints one JSON line from rank 0.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "fake_trial.hpp"
#include "nas/core/common/error.hpp"
#include "nas/core/search/regularized_evolution.hpp"
#include "nas/core/search/search_driver.hpp"
#include "nas/dist/mpi_channel.hpp"
#include "nas/dist/remote_executor.hpp"
#include "nas/dist/worker_loop.hpp"

namespace nas {
namespace {

struct SimOptions {
  int n_trials = 200;
  int epochs = 3;
  double epoch_seconds = 1.0;
  int slots = 4;
  double cull_ratio = 0.3;
  int max_population = 30;
  int sample_size = 7;
  std::string experiment_dir = "nas-sim-experiments";
};

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

void run_worker(MessageChannel& channel, const SimOptions& o) {
  auto setup = channel.receive(std::chrono::seconds(600));
  if (!setup || setup->tag != kTagSetup) return;
  ReadyMessage ready;
  ready.worker.rank = channel.rank();
  ready.worker.host = host_name();
  ready.worker.devices = {"sim"};
  ready.worker.slots = o.slots;
  ready.data.dataset = "simulated";
  ready.dataset.name = "simulated";
  channel.send(0, kTagReady, encode(ready));
  std::optional<Message> go;
  while (!(go = channel.receive(std::chrono::seconds(1)))) {
  }
  if (go->tag != kTagGo) return;
  WorkerLink link;
  RemoteCullPolicy cull(link);
  RemoteTrialWriter writer(link, decode_field(go->body, "experiment").get<std::string>());
  std::atomic<bool> stop{false}, interrupted{false};
  ThreadExecutor executor(with_decision_stats(link,
                                              [&](const TrialProposal& p, const TrialSlot& slot) {
                                                return testing::curve_trial(
                                                    p, slot, cull, writer, o.epochs,
                                                    std::chrono::duration<double>(o.epoch_seconds),
                                                    stop);
                                              }),
                          {"sim"}, o.slots, o.slots);
  run_worker_loop(channel, link, executor, stop, interrupted);
}

void run_driver(MessageChannel& channel, const SimOptions& o) {
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  ExperimentRecord e;
  e.options.n_trials = o.n_trials;
  e.options.epochs = o.epochs;
  e.options.cull_ratio = o.cull_ratio;
  e.options.max_population = o.max_population;
  e.options.sample_size = o.sample_size;
  e.options.dataset = "simulated";
  e.seed = 1;
  std::atomic<bool> cancel{false};
  SetupMessage setup;
  setup.options = e.options;
  setup.seed = e.seed;
  const auto workers = gather_workers(channel, setup, cancel);
  for (const auto& w : workers) e.workers.push_back(w.worker);
  e.created = now_iso8601();
  const ExperimentStore store = ExperimentStore::create(o.experiment_dir, e);
  e = store.read_experiment();
  send_go(channel, e.id);

  MobileNetV3Space space;
  EvolutionOptions evo;
  evo.max_population = o.max_population;
  evo.sample_size = o.sample_size;
  evo.seed = e.seed;
  auto strategy = make_strategy("evolution", space, evo);
  auto cull = make_cull_policy(o.epochs, o.max_population, o.cull_ratio);
  RemoteExecutor executor(channel, e.workers, store, *cull, &cancel);
  const double setup_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu_setup = cpu_seconds();
  const auto t1 = std::chrono::steady_clock::now();
  // Steady state: from the moment the first `slots` trials have finished (every slot has
  // turned over once) to the moment the last trial was started (after it slots fall idle for
  // want of trials, which says nothing about the transport).
  std::vector<double> finish_times, durations;
  double last_start = 0;
  auto since = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  };
  SearchObserver observer;
  observer.on_trial_started = [&](const TrialProposal&) { last_start = since(); };
  observer.on_trial_finished = [&](const TrialRecord& r, const SearchProgress&) {
    finish_times.push_back(since());
    durations.push_back(static_cast<double>(r.epochs.size()) * o.epoch_seconds);
  };
  const SearchOutcome out = run_search(store, e, *strategy, *cull, executor, {}, cancel, observer);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  const double cpu = cpu_seconds() - cpu_setup;
  shutdown_workers(channel, 0);

  long epochs_run = 0;
  int culled = 0;
  for (const auto& t : store.load_trials().trials) {
    epochs_run += static_cast<long>(t.epochs.size());
    culled += t.status == TrialStatus::kCulled;
  }
  const int slots = executor.capacity();
  // Ideal: every slot busy all the time with the epochs actually run.
  const double ideal_wall = static_cast<double>(epochs_run) * o.epoch_seconds / slots;
  const auto& st = executor.stats();
  double steady_efficiency = 0, window = 0;
  int in_window = 0;
  double busy = 0;
  const std::size_t first = static_cast<std::size_t>(slots);
  if (finish_times.size() > first) {
    const double t_begin = finish_times[first - 1];
    window = last_start - t_begin;
    for (std::size_t i = first; i < finish_times.size(); ++i) {
      if (finish_times[i] > last_start) break;
      ++in_window;
      busy += durations[i];
    }
    // Ideal rate: every slot busy, trials as long as those that finished in the window.
    if (window > 0 && in_window > 0)
      steady_efficiency = (in_window / window) / (slots / (busy / in_window));
  }
  nlohmann::json j{{"workers", static_cast<int>(workers.size())},
                   {"slots", slots},
                   {"n_trials", o.n_trials},
                   {"finished", out.progress.finished},
                   {"culled", culled},
                   {"epochs", o.epochs},
                   {"epoch_seconds", o.epoch_seconds},
                   {"epochs_run", epochs_run},
                   {"setup_seconds", setup_seconds},
                   {"wall_seconds", wall},
                   {"trials_per_hour", out.progress.finished / wall * 3600},
                   {"ideal_trials_per_hour", out.progress.finished / ideal_wall * 3600},
                   {"efficiency", ideal_wall / wall},
                   {"steady_window_seconds", window},
                   {"steady_trials", in_window},
                   {"steady_efficiency", steady_efficiency},
                   {"driver_cpu_seconds", cpu},
                   {"driver_cpu_ms_per_trial", cpu / std::max(1, out.progress.finished) * 1000},
                   {"driver_cpu_total_seconds", cpu_seconds() - cpu0},
                   {"decisions", st.decisions},
                   {"decision_round_trip_ms",
                    st.decisions ? st.decision_round_trip_seconds / st.decisions * 1000 : 0.0},
                   {"messages", st.messages}};
  std::cout << j.dump() << std::endl;
}

}  // namespace
}  // namespace nas

int main(int argc, char** argv) {
  nas::SimOptions o;
  CLI::App app("a distributed search with simulated trials (for scripts/dist-bench.sh)");
  app.add_option("--n-trials", o.n_trials);
  app.add_option("--epochs", o.epochs);
  app.add_option("--epoch-seconds", o.epoch_seconds);
  app.add_option("--slots", o.slots);
  app.add_option("--cull-ratio", o.cull_ratio);
  app.add_option("--max-population", o.max_population);
  app.add_option("--sample-size", o.sample_size);
  app.add_option("--experiment-dir", o.experiment_dir);
  CLI11_PARSE(app, argc, argv);
  try {
    auto mpi = nas::MpiSession::start_if_launched();
    if (!mpi || mpi->size() < 2) {
      std::cerr << "nas_dist_sim: run it under mpirun with at least 2 ranks\n";
      return 2;
    }
    if (mpi->rank() == 0) {
      nas::run_driver(mpi->channel(), o);
    } else {
      nas::run_worker(mpi->channel(), o);
    }
  } catch (const std::exception& e) {
    std::cerr << "nas_dist_sim: " << e.what() << "\n";
    return nas::exit_code_for(e);
  }
  return 0;
}
