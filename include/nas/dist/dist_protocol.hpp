#pragma once
// The messages of a search spread over ranks: rank 0 (the driver) and workers 1..N-1. Bodies
// are JSON. The exchange (docs/ARCHITECTURE.md, "Distributed search"):
//   driver -> worker  Setup {options, seed}          worker loads its data, then
//   worker -> driver  Ready {worker, data, dataset, environment}
//   driver -> worker  Go {experiment}  (or Shutdown when the data differ)
//   driver -> worker  Start {proposal}               a trial for a free slot
//   worker -> driver  Epoch {request, epoch, metric} the trial waits for
//   driver -> worker  Decision {request, cull, threshold}
//   worker -> driver  Update {record}                the driver writes trial.json
//   worker -> driver  Done {record, decisions, decision_seconds}
//   worker -> driver  DeviceFailed {error}           the search must end
//   driver -> worker  Stop {}                        interrupt running trials (^C)
//   driver -> worker  Shutdown {exit_code}           the search is over: exit
//   worker -> driver  WorkerFailed {error, exit_code} it could not start (data, devices)
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "nas/core/experiment/data_fingerprint.hpp"
#include "nas/core/experiment/records.hpp"
#include "nas/core/search/cull_policy.hpp"
#include "nas/core/search/strategy.hpp"

namespace nas {

enum DistTag : int {
  kTagSetup = 1,
  kTagReady = 2,
  kTagGo = 3,
  kTagStart = 4,
  kTagEpoch = 5,
  kTagDecision = 6,
  kTagUpdate = 7,
  kTagDone = 8,
  kTagDeviceFailed = 9,
  kTagStop = 10,
  kTagShutdown = 11,
  kTagWorkerFailed = 12,
};

std::string tag_name(int tag);

/// What the driver tells every worker before it loads data.
struct SetupMessage {
  SearchOptions options;
  std::uint64_t seed = 0;
};

/// What a worker reports once its data are loaded and its devices resolved.
struct ReadyMessage {
  WorkerInfo worker;
  DataFingerprint data;
  DatasetInfo dataset;
  std::optional<ComputeEnvironment> environment;
};

struct EpochMessage {
  std::uint64_t request = 0;  // unique per worker; the decision carries it back
  int epoch = 0;              // 0-based, as CullPolicy::report takes it
  EpochScore score;
};

struct DecisionMessage {
  std::uint64_t request = 0;
  CullDecision decision;
};

struct DoneMessage {
  TrialRecord record;
  bool escaped = false;         // as FinishedTrial::escaped: the driver completes the record
  int decisions = 0;            // cull decisions this trial waited for
  double decision_seconds = 0;  // their total round-trip time, seen from the worker
};

std::string encode(const SetupMessage& m);
std::string encode(const ReadyMessage& m);
std::string encode(const TrialProposal& m);
std::string encode(const EpochMessage& m);
std::string encode(const DecisionMessage& m);
std::string encode(const DoneMessage& m);
/// Update bodies are a bare trial record.
std::string encode(const TrialRecord& m);

/// Each throws InputError naming the message and the bad field.
SetupMessage decode_setup(const std::string& body);
ReadyMessage decode_ready(const std::string& body);
TrialProposal decode_proposal(const std::string& body);
EpochMessage decode_epoch(const std::string& body);
DecisionMessage decode_decision(const std::string& body);
DoneMessage decode_done(const std::string& body);
TrialRecord decode_record(const std::string& body);

/// {"key": value} bodies of the small messages (Go, DeviceFailed, Shutdown).
std::string encode_field(const std::string& key, const nlohmann::json& value);
nlohmann::json decode_field(const std::string& body, const std::string& key);

}  // namespace nas
