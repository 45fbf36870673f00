// The decision engine: one decision of 5 categories against a subject with 10 consents
// (goal: p50 <= 2 µs). Google Benchmark's time per iteration is the mean; the *_latency
// benchmarks time every decision and report p50 and p99 as counters.
//
//   cmake --build --preset release --target policy_bench
//   ./build/release/bench/policy_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <vector>

#include "policy/catalog.h"
#include "policy/engine.h"

using namespace silta::policy;

namespace {

const silta::SysTime kNow = *silta::parse_rfc3339("2026-03-02T10:00:00Z");

std::shared_ptr<const Catalog> catalog() {
  static auto c = [] {
    auto loaded = load_catalog(SILTA_SOURCE_DIR "/policy/catalogs/fi");
    if (!loaded.catalog) {
      std::cerr << format_problems(loaded.problems);
      std::abort();
    }
    return loaded.catalog;
  }();
  return c;
}

ConsentRecord consent(std::string id, ConsentKind kind, Capacity by, std::vector<std::string> from,
                      std::vector<std::string> to, std::vector<std::string> categories,
                      std::vector<std::string> purposes) {
  ConsentRecord c;
  c.id = std::move(id);
  c.subject_pseudonym = "3f1e9c0a6b2d4e8f9a7c5b3d1e0f2a4c6b8d0e2f4a6c8e0b2d4f6a8c0e2b4d6f";
  c.kind = kind;
  c.granted_by = {{by, by == Capacity::kSelf ? "self" : "guardian-1", true, "nurse-1", kNow}};
  c.from_kinds = std::move(from);
  c.to_kinds = std::move(to);
  c.categories = std::move(categories);
  c.purposes = std::move(purposes);
  c.valid_from = kNow - std::chrono::hours(24 * 30);
  c.recorded_at = c.valid_from;
  return c;
}

// Ten consents of a 16-year-old assessed capable: some apply, some are for other scopes, one is
// revoked, one expired, one a prohibition for another purpose.
std::vector<ConsentRecord> ten_consents() {
  std::vector<ConsentRecord> out;
  const std::vector<std::string> mh = {"mh_diagnosis", "mh_treatment_contacts", "mh_therapy_notes",
                                       "substance_treatment", "cw_report_content"};
  out.push_back(consent("c-01", ConsentKind::kSuostumus, Capacity::kSelf, {"mental_health"},
                        {"school"}, mh, {"wellbeing_concern"}));
  out.push_back(consent("c-02", ConsentKind::kLuovutuslupa, Capacity::kSelf, {"child_welfare"},
                        {"mental_health"}, {"cw_assessment_outcome"}, {"health_care"}));
  out.push_back(consent("c-03", ConsentKind::kSuostumus, Capacity::kSelf, {"mental_health"},
                        {"police"}, {"substance_treatment"}, {"ankkuri_early_support"}));
  out.push_back(consent("c-04", ConsentKind::kSuostumus, Capacity::kGuardian, {"school"},
                        {"mental_health"}, {"school_attendance"}, {"health_care"}));
  out.push_back(consent("c-05", ConsentKind::kSuostumus, Capacity::kSelf, {"mental_health"},
                        {"child_welfare"}, {"mh_therapy_notes"}, {"cw_assessment"}));
  out.push_back(consent("c-06", ConsentKind::kKielto, Capacity::kSelf, {"mental_health"},
                        {"youth_services"}, {}, {"outreach_youth_work"}));
  out.push_back(consent("c-07", ConsentKind::kSuostumus, Capacity::kSelf, {}, {"school_health"},
                        {"mh_diagnosis"}, {"health_care"}));
  out.push_back(consent("c-08", ConsentKind::kSuostumus, Capacity::kSelf, {"mental_health"},
                        {"school"}, {"mh_diagnosis"}, {"teaching_arrangement"}));
  out.back().revoked =
      ConsentRevocation{kNow - std::chrono::hours(1), "a", "b", Capacity::kSelf, "letter", ""};
  out.push_back(consent("c-09", ConsentKind::kSuostumus, Capacity::kSelf, {"mental_health"},
                        {"school"}, mh, {"student_welfare_individual"}));
  out.back().valid_until = kNow - std::chrono::hours(2);
  out.push_back(consent("c-10", ConsentKind::kLuovutuslupa, Capacity::kSelf, {"mental_health"},
                        {"substance_services"}, {"mh_diagnosis"}, {"health_care"}));
  return out;
}

DecisionRequest request(const std::string& from, const std::string& to, const std::string& purpose,
                        std::vector<std::string> categories) {
  DecisionRequest r;
  r.from_kind = from;
  r.to_kind = to;
  r.purpose = purpose;
  r.categories = std::move(categories);
  r.subject.pseudonym = "3f1e9c0a6b2d4e8f9a7c5b3d1e0f2a4c6b8d0e2f4a6c8e0b2d4f6a8c0e2b4d6f";
  r.subject.birth_date = Date{std::chrono::year{2009}, std::chrono::month{6}, std::chrono::day{1}};
  r.subject.capable = true;
  r.justification = "Service-need assessment after a report from the school";
  r.case_reference = "LS-2026-0142";
  return r;
}

// Child welfare assessing: 4 categories on ATL 53 §(5), therapy notes on the youth's consent.
DecisionRequest statutory() {
  return request("mental_health", "child_welfare", "cw_assessment",
                 {"identity_contact", "mh_diagnosis", "mh_treatment_contacts",
                  "substance_treatment", "mh_therapy_notes"});
}
// A teacher with the capable youth's consent: every category on ATL 6 § and consent c-01.
DecisionRequest consented() {
  return request("mental_health", "school", "wellbeing_concern",
                 {"cw_report_content", "mh_diagnosis", "mh_treatment_contacts",
                  "substance_treatment", "mh_therapy_notes"});
}
// The same teacher for another purpose the consents do not cover: 5 denials, each with its
// alternatives worked out.
DecisionRequest denied() {
  return request("mental_health", "school", "ankkuri_early_support",
                 {"identity_contact", "mh_diagnosis", "mh_treatment_contacts",
                  "substance_treatment", "mh_therapy_notes"});
}

void check(const Decision& d, bool all_granted) {
  if (d.all_granted() != all_granted || d.categories.size() != 5) {
    std::cerr << explain(d);
    std::abort();
  }
}

void run(benchmark::State& state, DecisionRequest (*make)(), bool all_granted) {
  Engine engine(catalog());
  auto consents = ten_consents();
  auto r = make();
  check(*engine.decide(r, consents, kNow), all_granted);
  for (auto _ : state) {
    auto d = engine.decide(r, consents, kNow);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}

void run_latency(benchmark::State& state, DecisionRequest (*make)(), bool all_granted) {
  Engine engine(catalog());
  auto consents = ten_consents();
  auto r = make();
  check(*engine.decide(r, consents, kNow), all_granted);
  std::vector<double> ns;
  ns.reserve(1 << 20);
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    auto d = engine.decide(r, consents, kNow);
    auto t1 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(d);
    if (ns.size() < ns.capacity())
      ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
  }
  std::sort(ns.begin(), ns.end());
  state.counters["p50_ns"] = ns[ns.size() / 2];
  state.counters["p99_ns"] = ns[ns.size() * 99 / 100];
}

void BM_decide_statutory(benchmark::State& s) { run(s, statutory, true); }
void BM_decide_consent(benchmark::State& s) { run(s, consented, true); }
void BM_decide_denied_with_alternatives(benchmark::State& s) { run(s, denied, false); }
void BM_decide_statutory_latency(benchmark::State& s) { run_latency(s, statutory, true); }
void BM_decide_consent_latency(benchmark::State& s) { run_latency(s, consented, true); }
void BM_decide_denied_latency(benchmark::State& s) { run_latency(s, denied, false); }

void BM_decision_to_json(benchmark::State& state) {
  Engine engine(catalog());
  auto consents = ten_consents();
  auto d = *engine.decide(consented(), consents, kNow);
  for (auto _ : state) {
    auto j = decision_to_json(d);
    benchmark::DoNotOptimize(j);
  }
}

void BM_engine_build(benchmark::State& state) {
  auto c = catalog();
  for (auto _ : state) {
    Engine engine(c);
    benchmark::DoNotOptimize(engine);
  }
}

void BM_catalog_load(benchmark::State& state) {
  for (auto _ : state) {
    auto loaded = load_catalog(SILTA_SOURCE_DIR "/policy/catalogs/fi");
    benchmark::DoNotOptimize(loaded);
  }
}

}  // namespace

BENCHMARK(BM_decide_statutory);
BENCHMARK(BM_decide_consent);
BENCHMARK(BM_decide_denied_with_alternatives);
BENCHMARK(BM_decide_statutory_latency);
BENCHMARK(BM_decide_consent_latency);
BENCHMARK(BM_decide_denied_latency);
BENCHMARK(BM_decision_to_json);
BENCHMARK(BM_engine_build)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_catalog_load)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
