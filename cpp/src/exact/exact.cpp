// The exact engine's entry points (datareach/exact.hpp): plan the runs, prune every run of
// every adversary before any factoring (so a model too large fails fast), then solve the runs
// and assemble the common exposure table.
#include "datareach/exact.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "../frontier/frontier.hpp"
#include "../frontier/ordering.hpp"
#include "datareach/errors.hpp"
#include "plan.hpp"
#include "pruning.hpp"
#include "solver.hpp"

namespace datareach {
namespace {

using namespace exact;

void check_adversaries(const CompiledGraph& g, const std::vector<NodeIndex>& adversaries) {
    for (std::size_t i = 0; i < adversaries.size(); ++i)
        if (adversaries[i] < 0 || static_cast<std::size_t>(adversaries[i]) >= g.node_count())
            throw ModelError("adversaries[" + std::to_string(i) + "]: no node #" + std::to_string(adversaries[i]));
}

double saturating_work(std::size_t arcs, std::size_t vars) {
    const double w =
        static_cast<double>(arcs + 1) * std::ldexp(1.0, static_cast<int>(std::min<std::size_t>(vars, 990)));
    return std::min(w, 1e300);
}

// One run by the method chosen for it. A frontier search that outgrows its memory falls
// back to factoring when the run has at most `limit` variables.
RunScores solve(const CompiledGraph& graph, const RunPlan& plan, const PrunedRun& run, int run_index, bool by_frontier,
                std::int64_t limit, bool places, Budget& budget) {
    if (by_frontier) {
        try {
            return frontier::solve_frontier(graph, plan, run, run_index, places, budget);
        } catch (const frontier::FrontierTooLarge& e) {
            if (static_cast<std::int64_t>(run.var_count()) > limit)
                throw ModelError(
                    "exact method: " + std::to_string(run.var_count()) +
                    " random variables remain after pruning for adversary #" + std::to_string(budget.adversary_row) +
                    " (limit " + std::to_string(limit) + ") and the frontier search (width " +
                    std::to_string(frontier::frontier_width(graph, plan, run_index, run)) + ") needs more than " +
                    std::to_string(e.max_states) + " states at one step; use method='monte_carlo'");
            ++budget.frontier_fallbacks;
        }
    }
    return solve_run(graph, plan, run, run_index, places, budget);
}

}  // namespace

ExactComplexity exact_complexity(const CompiledGraph& graph, const std::vector<NodeIndex>& adversaries,
                                 std::int64_t cap, int max_frontier_width) {
    check_adversaries(graph, adversaries);
    const RunPlan plan = plan_runs(graph);
    PruningScratch scratch(graph);
    ExactComplexity out;
    std::vector<std::uint32_t> var_seen(graph.event_count() + graph.arc_count(), 0);
    std::vector<std::uint32_t> arc_seen(graph.arc_count(), 0);
    std::uint32_t stamp = 0;
    const int width_limit = std::clamp(max_frontier_width, 0, kMaxFrontierWidth);
    for (NodeIndex adversary : adversaries) {
        ++stamp;
        std::int64_t vars = 0, arcs = 0, max_run = 0, max_width = 0, factoring = 0;
        bool capped = false;
        for (int run = 0; run < static_cast<int>(plan.run_count()); ++run) {
            const PrunedRun pruned = prune_run(graph, plan, scratch, adversary, run, cap);
            const std::int64_t run_vars =
                pruned.truncated ? pruned.counted : static_cast<std::int64_t>(pruned.var_count());
            // The method exact_exposure would use for the run.
            bool by_frontier = false;
            if (frontier::frontier_applies(graph, plan, run)) {
                const int width = frontier::frontier_width(
                    graph, plan, run, pruned.truncated ? prune_run(graph, plan, scratch, adversary, run) : pruned);
                max_width = std::max<std::int64_t>(max_width, width);
                by_frontier = width <= width_limit;
            }
            if (!by_frontier) factoring = std::max(factoring, run_vars);
            if (capped) continue;  // the variable counts stopped at the cap
            if (pruned.truncated) {
                capped = true;
                vars = std::max(vars, pruned.counted);
                max_run = std::max(max_run, pruned.counted);
                out.work = 1e300;
                continue;
            }
            max_run = std::max<std::int64_t>(max_run, static_cast<std::int64_t>(pruned.var_count()));
            for (std::int64_t x : pruned.var_global)
                if (x < 0) {
                    ++vars;  // a coin made by a reduction: its run's own
                } else if (var_seen[x] != stamp) {
                    var_seen[x] = stamp;
                    ++vars;
                }
            out.work = std::min(1e300, out.work + saturating_work(pruned.arc_count(), pruned.var_count()));
            for (ArcIndex a : pruned.arc_global)
                if (arc_seen[a] != stamp) {
                    arc_seen[a] = stamp;
                    ++arcs;
                }
            if (cap >= 0 && vars > cap) capped = true;
        }
        out.variables.push_back(vars);
        out.max_run_variables.push_back(max_run);
        out.arcs.push_back(arcs);
        out.capped.push_back(capped);
        out.max_run_width.push_back(max_width);
        out.max_factoring_variables.push_back(factoring);
    }
    return out;
}

ExposureTable exact_exposure(const CompiledGraph& graph, const std::vector<NodeIndex>& adversaries,
                             const ExactOptions& options) {
    check_adversaries(graph, adversaries);
    const RunPlan plan = plan_runs(graph);
    PruningScratch scratch(graph);
    const std::size_t A = adversaries.size();
    const std::size_t C = graph.class_count();
    const std::size_t runs = plan.run_count();

    // Prune everything first, so that a model too large fails before any long work. A run
    // far above the limit (before reductions) is not even built in full.
    const std::int64_t limit = std::clamp<std::int64_t>(options.max_variables, 0, kMaxExactVariables);
    const std::int64_t stop_above = std::max<std::int64_t>(16 * limit, 4096);
    const int width_limit = std::clamp(options.max_frontier_width, 0, kMaxFrontierWidth);
    std::vector<std::vector<PrunedRun>> pruned(A);
    std::vector<std::vector<std::uint8_t>> by_frontier(A);
    std::uint64_t most_variables = 0, widest = 0;
    for (std::size_t i = 0; i < A; ++i) {
        for (std::size_t run = 0; run < runs; ++run) {
            const int r = static_cast<int>(run);
            pruned[i].push_back(prune_run(graph, plan, scratch, adversaries[i], r, stop_above));
            // The frontier method when it applies and its width is small; factoring otherwise.
            int width = -1;
            if (width_limit > 0 && frontier::frontier_applies(graph, plan, r)) {
                if (pruned[i].back().truncated) pruned[i].back() = prune_run(graph, plan, scratch, adversaries[i], r);
                width = frontier::frontier_width(graph, plan, r, pruned[i].back());
            }
            const auto& candidate = pruned[i].back();
            const auto vars =
                candidate.truncated ? candidate.counted : static_cast<std::int64_t>(candidate.var_count());
            most_variables = std::max<std::uint64_t>(most_variables, static_cast<std::uint64_t>(vars));
            by_frontier[i].push_back(width >= 0 && width <= width_limit);
            if (by_frontier[i].back()) {
                widest = std::max<std::uint64_t>(widest, static_cast<std::uint64_t>(width));
                continue;
            }
            if (vars > limit)
                throw ModelError("exact method: " + std::string(candidate.truncated ? "more than " : "") +
                                 std::to_string(vars) + " random variables remain after pruning for adversary #" +
                                 std::to_string(i) + " (limit " + std::to_string(limit) + ")" +
                                 (width >= 0 ? " and its frontier width " + std::to_string(width) + " is above " +
                                                   std::to_string(width_limit)
                                             : std::string()) +
                                 "; use method='monte_carlo'");
        }
    }

    ExposureTable table;
    table.adversaries = adversaries;
    table.probability = ScoreMatrix::Zero(static_cast<Eigen::Index>(A), static_cast<Eigen::Index>(C));
    table.expected_share = ScoreMatrix::Zero(static_cast<Eigen::Index>(A), static_cast<Eigen::Index>(C));
    table.method = "exact";
    table.samples = 0;
    table.seed = 0;
    table.max_half_width = 0.0;

    Budget budget;
    budget.max_steps = options.max_steps;
    budget.options = &options;
    budget.runs_total = A * runs;

    struct PlaceRow {
        ClassIndex cls;
        std::int32_t place;
        double probability;
        bool operator<(const PlaceRow& o) const { return cls != o.cls ? cls < o.cls : place < o.place; }
    };
    for (std::size_t i = 0; i < A; ++i) {
        budget.adversary_row = i;
        std::vector<PlaceRow> store_rows, region_rows;
        for (std::size_t run = 0; run < runs; ++run) {
            const RunScores scores = solve(graph, plan, pruned[i][run], static_cast<int>(run), by_frontier[i][run],
                                           limit, options.places, budget);
            const auto row = static_cast<Eigen::Index>(i);
            for (const auto& score : scores.classes) {
                table.probability(row, score.cls) = score.probability;
                table.expected_share(row, score.cls) = score.expected_share;
            }
            for (const auto& place : scores.stores) store_rows.push_back({place.cls, place.place, place.probability});
            for (const auto& place : scores.regions) region_rows.push_back({place.cls, place.place, place.probability});
            ++budget.runs_done;
            pruned[i][run] = PrunedRun{};  // free as we go
        }
        std::sort(store_rows.begin(), store_rows.end());
        std::sort(region_rows.begin(), region_rows.end());
        for (auto [rows, place] :
             {std::pair{&store_rows, &table.by_store}, std::pair{&region_rows, &table.by_region}}) {
            for (const auto& r : *rows) {
                place->adversary_row.push_back(static_cast<std::int32_t>(i));
                place->class_index.push_back(r.cls);
                place->place.push_back(r.place);
                place->probability.push_back(r.probability);
            }
        }
    }
    if (options.progress && !options.progress(budget.runs_total, budget.runs_total)) throw ExactCancelled();
    if (options.stats) {
        options.stats->runs = budget.runs_total;
        options.stats->steps = budget.steps;
        options.stats->memo_hits = budget.memo_hits;
        options.stats->memo_entries = budget.memo_entries;
        options.stats->memo_restarts = budget.memo_restarts;
        options.stats->max_variables = most_variables;
        options.stats->frontier_runs = budget.frontier_runs;
        options.stats->frontier_passes = budget.frontier_passes;
        options.stats->frontier_expansions = budget.frontier_expansions;
        options.stats->frontier_peak_states = budget.frontier_peak_states;
        options.stats->frontier_max_width = widest;
        options.stats->frontier_fallbacks = budget.frontier_fallbacks;
        options.stats->frontier_split_passes = budget.frontier_split_passes;
        options.stats->frontier_link_passes = budget.frontier_link_passes;
    }
    table.ci_low = table.probability;
    table.ci_high = table.probability;
    table.expected_share_ci_low = table.expected_share;
    table.expected_share_ci_high = table.expected_share;
    table.by_store.ci_low = table.by_store.probability;
    table.by_store.ci_high = table.by_store.probability;
    table.by_region.ci_low = table.by_region.probability;
    table.by_region.ci_high = table.by_region.probability;
    return table;
}

}  // namespace datareach