// `nas search`: run (or resume) a search and write one JSON file per trial.
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cli/cli.hpp"
#include "cli/cli_suggest.hpp"
#include "nas/console/interrupt.hpp"
#include "nas/console/search_monitor.hpp"
#include "nas/core/common/error.hpp"
#include "nas/core/common/text_table.hpp"
#include "nas/core/report/report.hpp"
#include "nas/core/search/latency_table.hpp"
#include "nas/core/search/nb201_trial.hpp"
#include "nas/core/search/regularized_evolution.hpp"
#include "nas/core/search/search_driver.hpp"
#include "nas/core/search/search_request.hpp"
#include "nas/core/search/search_spaces.hpp"
#include "nas/dist/mpi_channel.hpp"
#include "nas/dist/remote_executor.hpp"
#include "nas/torch/compute_settings.hpp"
#include "nas/torch/device.hpp"
#include "nas/torch/gpu_runtime.hpp"
#include "nas/torch/search_worker.hpp"
#include "nas/torch/trial_runner.hpp"
#include "nas/torch/version.hpp"
#if NAS_WITH_WEB
#include "nas/web/dashboard_server.hpp"
#endif

namespace fs = std::filesystem;

namespace nas {
namespace {

struct SearchCliOptions;
std::shared_ptr<void> start_search_dashboard(const SearchCliOptions& o, const std::string& root,
                                             const std::string& id);

struct SearchCliOptions {
  SearchOptions search;
  std::uint64_t seed = 0;
  bool no_gpu = false;
  bool quick = false;
  std::string experiment_dir;
  std::string name;
  std::string resume;
  std::string experiment_id;
  std::vector<std::string> initial_archs;  // --initial-arch paths
  std::string time_budget;  // --time-budget as given ("8h"): parsed into search.time_budget_seconds
  std::string max_macs;     // --max-macs and --max-params as given ("300M"): parsed into search
  std::string max_params;
  std::string log_level = "info";
  bool serve = false;  // a live dashboard of this search (nas-report --serve's)
  std::string host = "127.0.0.1";
  int port = 8080;
  const CLI::App* cmd = nullptr;
  std::string argv0 = "nas";  // how this program was started (companion_command)
};

/// The search's flags as prepare_search takes them: their values, and which were given.
SearchRequest request_of(const SearchCliOptions& o) {
  SearchRequest r;
  r.options = o.search;
  for (const CLI::Option* opt : o.cmd->get_options()) {
    if (opt->count() == 0) continue;
    for (const auto& name : opt->get_lnames()) r.given.insert("--" + name);
  }
  if (!o.time_budget.empty())
    r.options.time_budget_seconds = parse_duration(o.time_budget, "--time-budget");
  if (!o.max_macs.empty()) r.options.max_macs = parse_count(o.max_macs, "--max-macs");
  if (!o.max_params.empty()) r.options.max_params = parse_count(o.max_params, "--max-params");
  if (!r.options.nb201_table.empty())  // compared with the recorded, absolute path on a resume
    r.options.nb201_table = fs::absolute(r.options.nb201_table).lexically_normal().string();
  if (!r.options.latency_table.empty()) {
    // Its identity is recorded (and compared on a resume): the path, the device, the checksum.
    const std::string path = fs::absolute(r.options.latency_table).lexically_normal().string();
    const LatencyTable table = read_latency_table(r.options.latency_table);
    r.options.latency_table = path;
    r.options.latency_table_device = table.device;
    r.options.latency_table_checksum = latency_table_checksum(path);
  }
  r.seed = o.seed;
  r.no_gpu = o.no_gpu;
  r.quick = o.quick;
  r.name = o.name;
  r.resume = o.resume;
  r.experiment_id = o.experiment_id;
  r.initial_archs = o.initial_archs;
  return r;
}

/// The NAS-Bench-201 table: --nb201-table, $NAS_NB201_TABLE, the installed copy, or the source
/// tree's (a build run in place). Throws InputError naming where it looked.
std::string nb201_table_path(const std::string& given) {
  if (!given.empty()) return given;
  if (const char* env = std::getenv("NAS_NB201_TABLE"); env && *env) return env;
  const std::string file = "nas-bench-201/nas-bench-201-12epoch.csv.gz";
  const std::vector<std::string> places{std::string(NAS_DATA_INSTALL_DIR) + "/" + file,
                                        std::string(NAS_DATA_SOURCE_DIR) + "/" + file};
  for (const auto& p : places) {
    std::error_code ec;
    if (fs::exists(p, ec)) return p;
  }
  throw InputError("the NAS-Bench-201 table is in neither " + places[0] + " nor " + places[1] +
                   ": give --nb201-table FILE or set NAS_NB201_TABLE");
}

/// The command that continues experiment `id` under `root`, as it can be pasted.
std::string resume_command(const std::string& argv0, const std::string& id,
                           const std::string& root) {
  return companion_command(argv0, "nas") + " search --resume " + id + " --experiment-dir " + root;
}

void print_summary(const ExperimentStore& store, const ExperimentRecord& e,
                   const SearchOutcome& out, const std::string& argv0) {
  const SearchProgress& p = out.progress;
  std::printf("\nexperiment %s %s: %d/%s finished (%d completed, %d culled, %d failed) in %s\n",
              e.id.c_str(), out.interrupted ? "interrupted" : "completed", p.finished,
              counted(p.n_trials, "trial").c_str(), p.completed, p.culled, p.failed,
              format_duration(e.search_seconds.value_or(0)).c_str());
  if (p.rejected > 0) {
    std::printf("%s rejected over the limits (never trained, not counted)\n",
                counted(p.rejected, "trial").c_str());
  }
  if (out.out_of_time) {
    std::printf("ended by its time budget (%s; %s interrupted, to run again on --resume)\n",
                format_duration(e.options.time_budget_seconds.value_or(0)).c_str(),
                counted(p.interrupted, "trial").c_str());
  }
  if (p.best && p.best->nb201) {
    const TrialRecord& b = *p.best;
    std::printf("best trial %d: %s, validation %.2f%%, test %.2f%% (%s)\n", b.id,
                b.nb201->cell.c_str(), b.nb201->val_accuracy, b.nb201->test_accuracy,
                b.nb201->dataset.c_str());
  } else if (p.best) {
    const TrialRecord& b = *p.best;
    std::printf(
        "best trial %d: metric %.4f, accuracy %.2f%%, latency %.4f ms/image, %s params, %s "
        "MACs\n",
        b.id, b.metric.value_or(0), b.accuracy.value_or(0), b.latency_ms.value_or(0),
        human_count(b.params).c_str(), human_count(b.macs).c_str());
  }
  // Absolute paths, so the commands work as printed from any folder.
  const std::string root = store.root();
  std::printf("next:\n  %s %s --experiment-dir %s\n",
              companion_command(argv0, "nas-report").c_str(), e.id.c_str(), root.c_str());
  if (p.best && !p.best->nb201) {  // a table cell has no network to retrain
    std::printf("  %s %s\n", companion_command(argv0, "nas-test-model").c_str(),
                fs::absolute(store.trial_dir(p.best->id)).lexically_normal().c_str());
  }
  if (out.interrupted) std::printf("  %s\n", resume_command(argv0, e.id, root).c_str());
}

/// Where the trials run: one process (data loaded here, trials on this process's threads), or the
/// driver of an MPI job (workers hold the data and run the trials).
struct Ranks {
  MessageChannel* channel = nullptr;  // null: one process
  std::vector<ReadyMessage> workers;
  bool released = false;  // the workers were told to exit

  /// Tells every worker to exit, once; they wait for this on every path, or the job hangs.
  void release(int exit_code) {
    if (!channel || released) return;
    shutdown_workers(*channel, exit_code);
    released = true;
  }
};

/// Loads the data here, or has the workers load theirs and checks they agree. Fills the
/// experiment's data set, devices and environment either way.
std::optional<SharedData> prepare_data(const SearchOptions& s, ExperimentRecord& experiment,
                                       Ranks& ranks, const ComputeSettings& compute,
                                       const std::atomic<bool>& cancel) {
  experiment.devices.clear();
  experiment.workers.clear();
  if (ranks.channel) {
    SetupMessage setup;
    setup.options = s;
    setup.seed = experiment.seed;
    spdlog::info("waiting for {} worker ranks to load their data", ranks.channel->size() - 1);
    try {
      ranks.workers = gather_workers(*ranks.channel, setup, cancel);
    } catch (const std::exception&) {
      ranks.released = true;  // gather_workers told them why before it threw
      throw;
    }
    check_same_data(ranks.workers);
    experiment.dataset = ranks.workers.front().dataset;
    experiment.environment = ranks.workers.front().environment;
    std::set<std::string> devices;
    for (const auto& w : ranks.workers) {
      experiment.workers.push_back(w.worker);
      devices.insert(w.worker.devices.begin(), w.worker.devices.end());
    }
    experiment.devices.assign(devices.begin(), devices.end());
    return std::nullopt;
  }
  const auto devices = resolve_devices(s.device, false);
  if (s.latency_batch < 16 && devices.front().is_cpu()) {
    spdlog::warn(
        "--latency-batch {} is below 16: LibTorch's CPU convolutions take a much slower path "
        "there, so latencies (and the metric) mostly measure that path",
        s.latency_batch);
  }
  std::optional<SharedData> shared_data;
  shared_data.emplace(load_data(data_options_for(s, experiment.seed)), devices);
  experiment.dataset = shared_data->host().info;
  for (const auto& d : devices) experiment.devices.push_back(device_name(d));
  experiment.environment = describe_environment(devices);
  experiment.environment->deterministic = compute.deterministic;
  experiment.environment->tf32 = compute.tf32;
  return shared_data;
}

void run_search_driver(const SearchCliOptions& o, Ranks& ranks, const std::atomic<bool>& cancel) {
  const std::string root = o.experiment_dir.empty() ? default_experiment_root() : o.experiment_dir;
  PreparedSearch prepared = prepare_search(request_of(o), root);
  for (const auto& flag : prepared.ignored)
    spdlog::warn("{} is ignored on --resume (the experiment keeps its own)", flag);
  for (const auto& problem : prepared.problems) spdlog::warn("skipping {}", problem);
  ExperimentRecord& experiment = prepared.experiment;
  if (prepared.already_complete) {
    // Nothing to run: leave the folder exactly as it is (no new session, no log line).
    std::printf(
        "experiment %s is complete (%s%s): nothing to do; extend it with --n-trials N or "
        "--time-budget DURATION\n",
        experiment.id.c_str(), counted(prepared.finished, "trial").c_str(),
        experiment.ended_by == "time_budget" ? ", its time budget spent" : "");
    return;
  }
  std::optional<ExperimentStore>& store = prepared.store;
  const std::vector<TrialRecord>& kept = prepared.kept;
  const SearchOptions& s = experiment.options;
  const ComputeSettings compute = compute_settings_for(s);
  apply_compute_settings(compute);

  const bool tabular = is_tabular_space(s.space);
  std::optional<Nb201Table> table;
  std::optional<SharedData> shared_data;
  if (tabular) {
    // A table cell is looked up, not trained: no data, devices or workers; the table is read
    // before the experiment's folder exists, so a bad one leaves nothing behind.
    if (ranks.channel) {
      throw UsageError("--space " + s.space +
                       " looks trials up in a table: run it in one process, not under MPI");
    }
    const std::string path = nb201_table_path(s.nb201_table);
    table = Nb201Table::load(path);
    // The file read is the search's: recorded, so a resume reads the same one whatever its
    // environment or folder.
    experiment.options.nb201_table = fs::absolute(path).lexically_normal().string();
    experiment.dataset =
        nb201_dataset_info(nb201_dataset_from_string(s.nb201_dataset), s.eval_split, path);
    experiment.devices = {"table"};
    experiment.environment.reset();
    experiment.workers.clear();
  } else {
    shared_data = prepare_data(s, experiment, ranks, compute, cancel);
  }
  // Read and checked against the search's data before the experiment's folder exists.
  std::shared_ptr<const LatencyTable> latency_table;
  if (!s.latency_table.empty()) {
    LatencyTable t = load_search_latency_table(s.latency_table, s.latency_table_checksum);
    LatencyTableSettings wanted = t.settings;
    wanted.input = InputShape{experiment.dataset.shape[0], experiment.dataset.shape[1],
                              experiment.dataset.shape[2]};
    wanted.classes = experiment.dataset.classes;
    wanted.batch = s.latency_batch;
    check_latency_table_settings(t, wanted, s.latency_table);
    check_latency_table_covers(t, MobileNetV3Space(), s.latency_table);
    if (t.warmup_ms == 0)
      spdlog::warn(
          "{}: timed cold (no warm-up recorded: built before nas recorded it, or with "
          "--warmup-ms 0), so its latencies read slow; rebuild it with nas latency-table",
          s.latency_table);
    latency_table = std::make_shared<const LatencyTable>(std::move(t));
  }
  const DatasetInfo& data = experiment.dataset;
  experiment.nas_version = nas_version();
  experiment.libtorch_version = libtorch_version();
  if (!store) {
    experiment.created = now_iso8601();
    store = ExperimentStore::create(root, experiment);
    prepared.lock = store->lock();  // two processes must never run one experiment
    experiment = store->read_experiment();
  }
  if (ranks.channel) send_go(*ranks.channel, experiment.id);
  add_log_file(store->log_path(), prepared.resumed ? "resumed" : "");
  const auto dashboard = start_search_dashboard(o, store->root(), experiment.id);
  if (tabular) {
    spdlog::info(
        "experiment {} ({}): {} trials, {} over the {} table ({}, the {} column), seed {}; "
        "trials are looked up, not trained: the metric is the table's accuracy, no culling",
        experiment.id, prepared.resumed ? "resumed" : "new", s.n_trials, s.strategy, s.space,
        s.nb201_dataset, s.eval_split, experiment.seed);
  } else {
    spdlog::info(
        "experiment {} ({}): {} trials, {} epochs, cull ratio {}, {} over the {} space on {} ({} "
        "train / {} eval), seed {}",
        experiment.id, prepared.resumed ? "resumed" : "new", s.n_trials, s.epochs, s.cull_ratio,
        s.strategy, s.space, s.dataset, data.train_size, data.eval_size, experiment.seed);
  }
  for (const auto& w : experiment.workers) {
    std::string devices;
    for (const auto& d : w.devices) devices += (devices.empty() ? "" : ",") + d;
    spdlog::info("worker rank {} on {}: {} slots on {}", w.rank, w.host, w.slots, devices);
  }

  const std::unique_ptr<SearchSpace> space = make_search_space(s.space);
  EvolutionOptions evo;
  evo.max_population = s.max_population;
  evo.sample_size = s.sample_size;
  evo.mutation_prob = s.mutation_prob;
  evo.seed = experiment.seed;
  evo.initial = s.initial_archs;
  evo.objective = objective_from_string(s.objective);
  auto strategy = make_strategy(s.strategy, *space, evo);
  auto cull = make_cull_policy(s.epochs, s.max_population, s.cull_ratio, evo.objective);

  const TrainerOptions train = trainer_options_for(s, experiment.seed);
  // Trials stop on this flag: raised on ^C (relayed from the signal flag below) and when the
  // driver itself fails, so no trial thread outlives the search by a whole training run.
  std::atomic<bool> stop_trials{false};
  // What the user watches (running trials, per-epoch log lines, the ETA), fed by one observer:
  // every record a trial writes passes it on its way to the store.
  int slots = s.concurrent_trials;
  if (ranks.channel) {
    slots = 0;
    for (const auto& w : experiment.workers) slots += w.slots;
  }
  SearchMonitor monitor(s.epochs, slots, /*show_hosts=*/ranks.channel != nullptr, s.batch_size);
  ProgressBlock block(stderr, is_terminal(2));
  const ConsoleThroughBlock console(block);
  auto draw = [&](const SearchProgress& p) {
    block.draw(render_search_progress(monitor.view(p), terminal_width(2)));
  };
  // Said once, through the log (so search.log keeps it) and above the progress block.
  bool interrupt_said = false;
  auto notice_interrupt = [&] {
    if (!cancel.load()) return;
    stop_trials = true;
    if (interrupt_said) return;
    interrupt_said = true;
    spdlog::warn(
        "interrupt: finishing up; the running trials are recorded as interrupted (^C "
        "again exits at once)");
  };
  SearchObserver observer;
  observer.on_trial_written = [&](const TrialRecord& r) {
    if (auto line = monitor.on_record(r)) spdlog::info("{}", *line);
  };
  observer.on_batch = [&](int trial, int epoch, std::int64_t batch, std::int64_t batches) {
    monitor.on_batch(trial, epoch, batch, batches);
  };
  observer.on_tick = [&](const SearchProgress& p) {
    notice_interrupt();
    draw(p);
  };
  observer.on_trial_finished = [&](const TrialRecord& r, const SearchProgress& p) {
    notice_interrupt();
    monitor.on_finished(r);
    if (r.status == TrialStatus::kFailed) {
      spdlog::warn("trial {} failed: {}", r.id, r.error.value_or("unknown error"));
    } else if (r.status == TrialStatus::kInterrupted) {
      spdlog::info("trial {} interrupted", r.id);
    } else if (r.status == TrialStatus::kRejected) {
      spdlog::info("trial {} rejected ({} so far): {}", r.id, p.rejected,
                   rejection_reason(r, trial_limits(s)));
    } else if (r.nb201) {
      spdlog::info("trial {} {} [{}/{}]: accuracy {:.2f}% (validation {:.2f}%, test {:.2f}%) {}",
                   r.id, to_string(r.status), p.finished, p.n_trials, r.accuracy.value_or(0),
                   r.nb201->val_accuracy, r.nb201->test_accuracy, r.nb201->cell);
    } else {
      // The count first: a narrow terminal cuts the end of the line, not the progress.
      spdlog::info("trial {} {} [{}/{}]: metric {:.4f}, accuracy {:.2f}%, {:.4f} ms, {} params, {}",
                   r.id, to_string(r.status), p.finished, p.n_trials, r.metric.value_or(0),
                   r.accuracy.value_or(0), r.latency_ms.value_or(0), human_count(r.params),
                   format_duration(r.seconds.value_or(0)));
    }
    draw(p);
  };

  const ObservedTrialWriter writer(*store, observer);
  // Trials run on this process's threads, or on the workers'.
  std::unique_ptr<TrialExecutor> executor;
  std::optional<TrialContext> ctx;
  std::optional<SlotStreams> streams;
  if (tabular) {
    executor = std::make_unique<ThreadExecutor>(
        Nb201TrialRunner(*table, nb201_dataset_from_string(s.nb201_dataset), s.eval_split == "test",
                         writer),
        std::vector<std::string>{"cpu"}, s.concurrent_trials, 1);
  } else if (ranks.channel) {
    executor = std::make_unique<RemoteExecutor>(*ranks.channel, experiment.workers, writer, *cull,
                                                &stop_trials);
  } else {
    // The context needs the executor's slots (for their streams); no trial starts before it is
    // set.
    auto threads = std::make_unique<ThreadExecutor>(
        [&ctx](const TrialProposal& p, const TrialSlot& slot) { return run_trial(p, slot, *ctx); },
        experiment.devices, s.concurrent_trials, s.threads);
    std::vector<torch::Device> slot_devices;
    for (const auto& slot : threads->slots()) slot_devices.push_back(parse_device(slot.device));
    streams.emplace(slot_devices);
    ctx.emplace(TrialContext{*shared_data, writer, *cull, train, *streams, &stop_trials, &observer,
                             trial_limits(s), latency_table});
    executor = std::move(threads);
  }

  SearchOutcome out;
  try {
    SearchControl control;
    control.stop_trials = &stop_trials;
    out = run_search(*store, experiment, *strategy, *cull, *executor, kept, cancel, observer,
                     control);
  } catch (const std::exception& e) {
    stop_trials = true;  // run_search marked the experiment failed
    if (dynamic_cast<const DeviceFailure*>(&e)) {
      throw DeviceFailure(std::string(e.what()) + "; once the device is healthy: " +
                          resume_command(o.argv0, experiment.id, store->root()));
    }
    throw;
  }
  block.clear();
  spdlog::info("search {} after {:.1f} s", out.interrupted ? "interrupted" : "finished",
               experiment.search_seconds.value_or(0));
  print_summary(*store, experiment, out, o.argv0);
  spdlog::default_logger()->flush();
  ranks.release(out.interrupted ? kExitInterrupted : kExitOk);
  if (out.interrupted)
    throw Interrupted("interrupted: resume with " +
                      resume_command(o.argv0, experiment.id, store->root()));
}

// The server lives as long as the returned handle (the search); it shows this experiment only.
std::shared_ptr<void> start_search_dashboard(const SearchCliOptions& o, const std::string& root,
                                             const std::string& id) {
  if (!o.serve) return nullptr;
#if NAS_WITH_WEB
  DashboardSource source{root, {id}, {}};
  std::unique_ptr<DashboardServer> server =
      start_dashboard(source, ServeOptions{o.host, o.port}, *spdlog::default_logger(), "#/e/" + id);
  // Open pages poll every 3 s: serving a little longer lets them show how the search ended.
  return std::shared_ptr<void>(server.release(), [](void* p) {
    std::this_thread::sleep_for(std::chrono::seconds(4));
    delete static_cast<DashboardServer*>(p);
  });
#else
  (void)root;
  (void)id;
  throw UsageError(
      "this nas was built without the dashboard: install libcpp-httplib-dev and libjs-chart.js "
      "(scripts/setup.sh does) and rebuild");
#endif
}

void run_search_command(SearchCliOptions o) {
  setup_logging(o.log_level);
  const auto& cancel = install_interrupt_handlers();
  // Before any thread starts: MPI wants the thread that initialises it to be its only caller.
  std::unique_ptr<MpiSession> mpi = MpiSession::start_if_launched();
  if (mpi && mpi->size() > 1 && mpi->rank() > 0) {
    // A worker's exit status stays 0 when the driver ended the job in order: the driver's own
    // status is the job's (mpirun reports the first non-zero one, srun the highest).
    WorkerFlags flags;
    const CLI::App& cmd = *o.cmd;
    flags.device = o.search.device;
    flags.device_given = flag_given(cmd, "--device");
    flags.no_gpu = o.no_gpu;
    flags.concurrent_trials = o.search.concurrent_trials;
    flags.concurrent_trials_given = flag_given(cmd, "--concurrent-trials");
    flags.threads = o.search.threads;
    flags.threads_given = flag_given(cmd, "--threads");
    flags.data_dir = o.search.data_dir;
    flags.data_dir_given = flag_given(cmd, "--data-dir");
    try {
      run_search_worker(mpi->channel(), flags, cancel);
    } catch (const std::exception& e) {
      // The driver records why and ends the job; if it cannot hear, end every rank at once
      // rather than leave the job hanging.
      std::fprintf(stderr, "nas: worker rank %d: %s\n", mpi->rank(), e.what());
      if (!report_worker_failure(mpi->channel(), e)) mpi->abort(exit_code_for(e));
    }
    return;
  }
  Ranks ranks;
  if (mpi && mpi->size() > 1) ranks.channel = &mpi->channel();
  try {
    run_search_driver(std::move(o), ranks, cancel);
  } catch (const std::exception& e) {
    // Workers wait for the driver's word: without it they would wait forever.
    ranks.release(exit_code_for(e));
    throw;
  }
  ranks.release(kExitOk);  // paths that end before the search starts (nothing to do)
}

}  // namespace

void setup_search(CLI::App& app, const std::string& argv0) {
  auto o = std::make_shared<SearchCliOptions>();
  auto* cmd = app.add_subcommand("search", "run a neural architecture search");
  o->cmd = cmd;
  o->argv0 = argv0;
  SearchOptions& s = o->search;
  const char* kSearch = "Search";
  const char* kData = "Data";
  const char* kRecipe = "Training recipe and metric";
  const char* kDevices = "Devices";
  const char* kOutput = "Experiment and output";
  cmd->add_option("--n-trials", s.n_trials, "trials in all (completed, culled or failed)")
      ->capture_default_str()
      ->type_name("N")
      ->group(kSearch);
  cmd->add_option("--initial-arch", o->initial_archs,
                  "start from a known architecture (our JSON, NNI's parameter.cfg or a trial "
                  "folder): tried first, before the random ones; repeatable")
      ->type_name("PATH")
      ->group(kSearch);
  cmd->add_option("--time-budget", o->time_budget,
                  "stop after this much search time (90m, 8h, 1d, 1h30m or seconds; counted "
                  "across resumes): no trial starts after it, running ones stop and are recorded "
                  "interrupted; whichever of --n-trials and the budget comes first ends the search")
      ->type_name("DURATION")
      ->group(kSearch);
  cmd->add_option("--max-latency", s.max_latency_ms,
                  "a hard limit: a network slower than this (ms per image, measured before "
                  "training) is rejected, never trained, and does not count towards --n-trials")
      ->type_name("MS")
      ->group(kSearch);
  cmd->add_option("--max-macs", o->max_macs,
                  "a hard limit on multiply-accumulates per image (300M, 2.5M, ...): a larger "
                  "network is rejected before any device work")
      ->type_name("N")
      ->group(kSearch);
  cmd->add_option("--max-params", o->max_params,
                  "a hard limit on parameters (5M, 800k, ...): a larger network is rejected "
                  "before any device work")
      ->type_name("N")
      ->group(kSearch);
  cmd->add_option("--epochs,--search-epochs", s.epochs, "training epochs per trial")
      ->capture_default_str()
      ->type_name("N")
      ->group(kSearch);
  cmd->add_option("--cull-ratio", s.cull_ratio, "early-termination ratio in [0, 1); 0 = none")
      ->capture_default_str()
      ->type_name("X")
      ->group(kSearch);
  cmd->add_option("--max-population", s.max_population,
                  "regularized-evolution population (random trials until it is full)")
      ->capture_default_str()
      ->type_name("N")
      ->group(kSearch);
  cmd->add_option("--sample-size", s.sample_size, "tournament size, below the population")
      ->capture_default_str()
      ->type_name("N")
      ->group(kSearch);
  cmd->add_option("--mutation-prob", s.mutation_prob, "probability of re-drawing each choice")
      ->capture_default_str()
      ->type_name("P")
      ->group(kSearch);
  cmd->add_option("--strategy", s.strategy, "evolution or random")
      ->capture_default_str()
      ->type_name("NAME")
      ->group(kSearch);
  cmd->add_option("--objective", s.objective,
                  "scalar (rank by the metric, as the original) or pareto (accuracy up and "
                  "latency down at once: tournament and culling by non-dominated rank; "
                  "nas-report --front lists the front)")
      ->capture_default_str()
      ->type_name("KIND")
      ->group(kSearch);
  cmd->add_option("--space", s.space,
                  "mobilenetv3 (66 independent choices), nni-2.7 (the 54 labels the original "
                  "searched) or nas-bench-201 (NAS-Bench-201's cell, looked up in its table: no "
                  "training)")
      ->capture_default_str()
      ->type_name("NAME")
      ->group(kSearch);
  cmd->add_option("--nb201-dataset", s.nb201_dataset,
                  "with --space nas-bench-201: the table's data set, cifar10, cifar100 or "
                  "imagenet16-120")
      ->capture_default_str()
      ->type_name("NAME")
      ->group(kSearch);
  cmd->add_option("--nb201-table", s.nb201_table,
                  "with --space nas-bench-201: the table's file (default: the one nas ships)")
      ->type_name("FILE")
      ->group(kSearch);
  cmd->add_option("--latency-table", s.latency_table,
                  "predict every latency (the metric, --max-latency, --target-latency) from this "
                  "table of the deployment device (nas latency-table) instead of measuring here")
      ->type_name("FILE")
      ->group(kSearch);
  cmd->add_option("--seed", o->seed, "seed of everything random (default: drawn and recorded)")
      ->check(seed_range())
      ->type_name("N")
      ->group(kSearch);
  cmd->add_flag("--quick", o->quick,
                "small budget: 12 trials, population 6, sample 3, subsets 2000/1000, 2 at once "
                "(flags given win)")
      ->group(kSearch);
  cmd->add_option("--dataset", s.dataset,
                  "fashion-mnist, mnist, cifar10 or synthetic (learns from about 80 training "
                  "batches: --train-subset 2000 for 3 epochs; data/README.md)")
      ->capture_default_str()
      ->type_name("NAME")
      ->group(kData);
  cmd->add_option("--data-dir", s.data_dir, "data set folder (default: the data set's own)")
      ->type_name("DIR")
      ->group(kData);
  cmd->add_option("--eval-split", s.eval_split,
                  "validation (10 % of train held out) or test (the original's)")
      ->capture_default_str()
      ->type_name("NAME")
      ->group(kData);
  cmd->add_option("--train-subset", s.train_subset, "seeded subset of N training images (0 = all)")
      ->check(non_negative())
      ->type_name("N")
      ->group(kData);
  cmd->add_option("--eval-subset", s.eval_subset, "seeded subset of N evaluation images (0 = all)")
      ->check(non_negative())
      ->type_name("N")
      ->group(kData);
  cmd->add_option("--batch-size", s.batch_size, "training batch size")
      ->capture_default_str()
      ->type_name("N")
      ->group(kRecipe);
  cmd->add_option("--lr", s.lr, "Adam learning rate")
      ->capture_default_str()
      ->type_name("X")
      ->group(kRecipe);
  cmd->add_option("--latency-batch", s.latency_batch, "batch size of the latency measurement")
      ->capture_default_str()
      ->type_name("N")
      ->group(kRecipe);
  cmd->add_option("--latency-exponent", s.latency_exponent,
                  "metric = accuracy * (us per image)^(-x); 0 = accuracy")
      ->capture_default_str()
      ->type_name("X")
      ->group(kRecipe);
  cmd->add_option("--target-latency", s.target_latency_ms,
                  "aim at this latency (ms per image): the metric becomes --reward's, relative "
                  "to it (default: none, the original's metric)")
      ->type_name("MS")
      ->group(kRecipe);
  cmd->add_option("--reward", s.reward,
                  "with --target-latency: soft (MnasNet, acc * (lat/T)^-x), hard (MnasNet: acc "
                  "at or under T, acc * T/lat over it) or absolute (TuNAS: acc/100 + beta * "
                  "|lat/T - 1|)")
      ->capture_default_str()
      ->type_name("KIND")
      ->group(kRecipe);
  cmd->add_option("--beta", s.beta, "--reward absolute: the latency penalty, negative (TuNAS's)")
      ->capture_default_str()
      ->type_name("X")
      ->group(kRecipe);
  cmd->add_option("--bn-recalibrate", s.bn_recalibrate,
                  "re-estimate BatchNorm statistics on N training batches before each evaluation "
                  "(0 = the original's: as training left them)")
      ->capture_default_str()
      ->type_name("N")
      ->group(kRecipe);
  cmd->add_option("--device", s.device,
                  "cpu, cuda, or cuda:0,cuda:1,... (default: every GPU, else cpu)")
      ->type_name("SPEC")
      ->group(kDevices);
  cmd->add_flag("--no-gpu", o->no_gpu, "run on CPU even where CUDA is available")->group(kDevices);
  cmd->add_option("--concurrent-trials", s.concurrent_trials,
                  "trials at once (per worker rank under MPI)")
      ->capture_default_str()
      ->check(positive())
      ->type_name("N")
      ->group(kDevices);
  cmd->add_option("--threads", s.threads,
                  "CPU threads in all, split between trials (0 = every core)")
      ->check(non_negative())
      ->type_name("N")
      ->group(kDevices);
  add_compute_flags(*cmd, s.deterministic, s.tf32);
  cmd->get_option("--deterministic")->group(kDevices);
  cmd->get_option("--tf32")->group(kDevices);
  cmd->add_option("--experiment-dir", o->experiment_dir,
                  "experiments folder (default ./nas-experiments or $NAS_EXPERIMENT_DIR)")
      ->type_name("DIR")
      ->group(kOutput);
  cmd->add_option("--name", o->name, "a name recorded in experiment.json")
      ->type_name("TEXT")
      ->group(kOutput);
  cmd->add_option("--resume", o->resume, "continue an experiment (id, latest, or its start)")
      ->type_name("ID")
      ->group(kOutput);
  cmd->add_option("--experiment-id", o->experiment_id,
                  "start the experiment with this id, or resume it if it exists (batch jobs "
                  "that are requeued)")
      ->type_name("ID")
      ->group(kOutput);
  cmd->add_flag("--serve", o->serve,
                "serve a live web dashboard of this search while it runs (as nas-report "
                "--serve)")
      ->group(kOutput);
  cmd->add_option("--port", o->port, "--serve: the port")
      ->check(number_in_range(1, 65535))
      ->capture_default_str()
      ->type_name("N")
      ->group(kOutput);
  cmd->add_option("--host", o->host,
                  "--serve: the address to listen on (no authentication: the default only "
                  "answers this machine)")
      ->capture_default_str()
      ->type_name("ADDR")
      ->group(kOutput);
  add_log_level_flag(*cmd, o->log_level);
  cmd->get_option("--log-level")->group(kOutput)->type_name("LEVEL");
  cmd->footer(
      "Examples:\n"
      "  nas search --quick --seed 1                  a few minutes on a laptop\n"
      "  nas search --epochs 3 --cull-ratio 0.3       the original's search (1000 trials)\n"
      "  nas search --resume latest                   continue the last experiment\n"
      "  mpirun -np 5 nas search --concurrent-trials 4   across MPI ranks (README)\n"
      "Then: nas-report <id> summarizes; nas-test-model <trial-dir> retrains for 50 epochs.");
  cmd->callback([o] { run_search_command(*o); });
}

}  // namespace nas
