#include "nas/dist/dist_protocol.hpp"

#include <nlohmann/json.hpp>

#include "nas/core/common/error.hpp"
#include "nas/core/common/json_fields.hpp"

namespace nas {
namespace {

nlohmann::json parse(const std::string& body, const char* what) {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string(what) + " message: " + e.what());
  }
}

}  // namespace

std::string tag_name(int tag) {
  switch (tag) {
    case kTagSetup:
      return "setup";
    case kTagReady:
      return "ready";
    case kTagGo:
      return "go";
    case kTagStart:
      return "start";
    case kTagEpoch:
      return "epoch";
    case kTagDecision:
      return "decision";
    case kTagUpdate:
      return "update";
    case kTagDone:
      return "done";
    case kTagDeviceFailed:
      return "device-failed";
    case kTagStop:
      return "stop";
    case kTagShutdown:
      return "shutdown";
    case kTagWorkerFailed:
      return "worker-failed";
  }
  return "tag " + std::to_string(tag);
}

std::string encode(const SetupMessage& m) {
  return dump_json(nlohmann::json{{"options", to_json(m.options)}, {"seed", m.seed}});
}

SetupMessage decode_setup(const std::string& body) {
  const nlohmann::json j = parse(body, "setup");
  const JsonFields f(j, "setup");
  SetupMessage m;
  m.options = search_options_from_json(f.at("options"));
  m.seed = f.uint64("seed");
  return m;
}

std::string encode(const ReadyMessage& m) {
  return dump_json(nlohmann::json{
      {"worker", to_json(m.worker)},
      {"data", to_json(m.data)},
      {"dataset", to_json(m.dataset)},
      {"environment", m.environment ? to_json(*m.environment) : nlohmann::json(nullptr)}});
}

ReadyMessage decode_ready(const std::string& body) {
  const nlohmann::json j = parse(body, "ready");
  const JsonFields f(j, "ready");
  ReadyMessage m;
  m.worker = worker_info_from_json(f.at("worker"));
  m.data = data_fingerprint_from_json(f.at("data"));
  m.dataset = dataset_info_from_json(f.at("dataset"));
  if (!f.at("environment").is_null())
    m.environment = compute_environment_from_json(f.at("environment"));
  return m;
}

std::string encode(const TrialProposal& p) {
  return dump_json(nlohmann::json{
      {"id", p.id},
      {"arch", p.arch.to_json()},
      {"arch_key", p.arch_key},
      {"origin", p.origin},
      {"parent", json_or_null(p.parent)},
      {"arch_nni27", p.arch_nni27 ? p.arch_nni27->to_json() : nlohmann::json(nullptr)}});
}

TrialProposal decode_proposal(const std::string& body) {
  const nlohmann::json j = parse(body, "start");
  const JsonFields f(j, "start");
  TrialProposal p;
  p.id = f.integer("id");
  p.arch = Architecture::from_json(f.at("arch"));
  p.arch_key = f.str("arch_key");
  p.origin = f.str("origin");
  p.parent = f.opt_integer("parent");
  if (!f.at("arch_nni27").is_null()) p.arch_nni27 = Architecture::from_json(f.at("arch_nni27"));
  return p;
}

std::string encode(const EpochMessage& m) {
  return dump_json(nlohmann::json{{"request", m.request},
                                  {"epoch", m.epoch},
                                  {"metric", m.score.metric},
                                  {"accuracy", m.score.accuracy},
                                  {"latency_ms", m.score.latency_ms}});
}

EpochMessage decode_epoch(const std::string& body) {
  const nlohmann::json j = parse(body, "epoch");
  const JsonFields f(j, "epoch");
  EpochMessage m;
  m.request = f.uint64("request");
  m.epoch = f.integer("epoch");
  m.score.metric = f.number_or_nan("metric");
  m.score.accuracy = f.number_or_nan("accuracy");
  m.score.latency_ms = f.number_or_nan("latency_ms");
  return m;
}

std::string encode(const DecisionMessage& m) {
  return dump_json(nlohmann::json{{"request", m.request},
                                  {"cull", m.decision.cull},
                                  {"threshold", json_or_null(m.decision.threshold)},
                                  {"rank", json_or_null(m.decision.rank)}});
}

DecisionMessage decode_decision(const std::string& body) {
  const nlohmann::json j = parse(body, "decision");
  const JsonFields f(j, "decision");
  DecisionMessage m;
  m.request = f.uint64("request");
  m.decision.cull = f.boolean("cull");
  m.decision.threshold = f.opt_number("threshold");
  m.decision.rank = f.opt_integer("rank");
  return m;
}

std::string encode(const DoneMessage& m) {
  return dump_json(nlohmann::json{{"record", to_json(m.record)},
                                  {"escaped", m.escaped},
                                  {"decisions", m.decisions},
                                  {"decision_seconds", m.decision_seconds}});
}

DoneMessage decode_done(const std::string& body) {
  const nlohmann::json j = parse(body, "done");
  const JsonFields f(j, "done");
  DoneMessage m;
  m.record = trial_record_from_json(f.at("record"));
  m.escaped = f.boolean("escaped");
  m.decisions = f.integer("decisions");
  m.decision_seconds = f.number("decision_seconds");
  return m;
}

std::string encode(const TrialRecord& r) { return dump_json(to_json(r)); }

TrialRecord decode_record(const std::string& body) {
  return trial_record_from_json(parse(body, "update"));
}

std::string encode_field(const std::string& key, const nlohmann::json& value) {
  return dump_json(nlohmann::json{{key, value}});
}

nlohmann::json decode_field(const std::string& body, const std::string& key) {
  const nlohmann::json j = parse(body, key.c_str());
  if (!j.is_object() || !j.contains(key))
    throw InputError("message without '" + key + "': " + body.substr(0, 80));
  return j[key];
}

}  // namespace nas
