// The paired Monte Carlo comparison (datareach/comparison.hpp): every graph evaluated by the
// shared kernel on the same blocks, a variant copying the live masks it shares with the base
// (paired_run.hpp), then per-world pairs summed (paired_sums.hpp) and exact zeros where views
// match (views.hpp).
#include "datareach/comparison.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <utility>

#include "../monte_carlo/driver.hpp"
#include "../monte_carlo/kernel.hpp"
#include "../monte_carlo/plan.hpp"
#include "../monte_carlo/scratch.hpp"
#include "../monte_carlo/tables.hpp"
#include "datareach/errors.hpp"
#include "datareach/intervals.hpp"
#include "paired_run.hpp"
#include "paired_sums.hpp"
#include "views.hpp"

namespace datareach::comparison {

using namespace monte_carlo::detail;

namespace {

// What `variant` draws itself in each block and which live words it copies from `base`:
// a random arc of the variant copies the base arc with the same coin stream (key and seed),
// the same p and the same random events (same streams and p), whose live words are the
// same in every block.
DrawList shared_arcs(const Plan& base, const Plan& variant) {
    using Signature = std::vector<std::tuple<std::uint64_t, std::uint64_t, std::int32_t>>;
    auto signature = [](const Plan& plan, std::size_t k, Signature& out) {
        out.clear();
        for (auto j = plan.arc_events_begin[k]; j < plan.arc_events_begin[k + 1]; ++j) {
            const EventInfo& e = plan.events[static_cast<std::size_t>(plan.arc_events[j])];
            out.emplace_back(e.stream, e.p.mantissa, e.p.zero_bits);
        }
        std::sort(out.begin(), out.end());
    };
    std::vector<std::pair<std::uint64_t, std::uint32_t>> by_stream;  // random base arcs by coin stream
    for (std::size_t k = 0; k < base.arc_count(); ++k)
        if (base.arc_hot[k] & kRandom) by_stream.emplace_back(base.arc_stream[k], static_cast<std::uint32_t>(k));
    std::sort(by_stream.begin(), by_stream.end());
    DrawList out;
    Signature mine, theirs;
    for (std::size_t k = 0; k < variant.arc_count(); ++k) {
        if (!(variant.arc_hot[k] & kRandom)) continue;
        const std::uint32_t events = variant.arc_events_begin[k + 1] - variant.arc_events_begin[k];
        auto it = std::lower_bound(by_stream.begin(), by_stream.end(), std::make_pair(variant.arc_stream[k], 0u));
        bool signed_ = false, copied = false;
        for (; it != by_stream.end() && it->first == variant.arc_stream[k]; ++it) {
            const std::size_t b = it->second;
            if (base.arc_mantissa[b] != variant.arc_mantissa[k] || base.arc_zero_bits[b] != variant.arc_zero_bits[k] ||
                base.arc_events_begin[b + 1] - base.arc_events_begin[b] != events)
                continue;
            if (!signed_) {
                signature(variant, k, mine);
                signed_ = true;
            }
            signature(base, b, theirs);
            if (mine == theirs) {
                out.copies.emplace_back(static_cast<std::uint32_t>(k), it->second);
                copied = true;
                break;
            }
        }
        if (copied) continue;
        const auto arc = static_cast<std::uint32_t>(k);
        const bool coin = variant.arc_zero_bits[k] != kNoCoin;
        if (!events) {
            if (coin) out.coin_arcs.push_back(arc);
        } else {
            out.event_arcs.push_back(arc);
            if (coin) out.event_coin_arcs.push_back(arc);
        }
    }
    return out;
}

template <int W>
ComparisonTable run(const PairedSetup& setup, const MonteCarloOptions& options) {
    const std::uint64_t block_worlds = 64 * W;
    const std::uint64_t total_blocks = total_blocks_for(options.samples, block_worlds);
    unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    if (setup.layout.rows == 0) threads = 1;
    PairedWorkers<W> workers(setup, threads);
    if (setup.layout.rows > 0)
        run_blocks(
            threads, total_blocks, block_worlds, options,
            [&](unsigned t, std::uint64_t block, const std::atomic<bool>& stop) {
                return workers.run_block(t, block, stop);
            },
            [&] {
                const std::uint64_t worlds = workers.tally(0).blocks * block_worlds;
                return widest_difference(setup, workers.sums(), worlds) <= options.tolerance;
            });
    std::vector<Tally> tallies;
    std::vector<const std::uint64_t*> counts;
    for (std::size_t g = 0; g < setup.graphs.size(); ++g) tallies.push_back(workers.tally(g));
    for (const Tally& tally : tallies) counts.push_back(tally.counts.data());
    const std::uint64_t worlds = tallies[0].blocks * block_worlds;  // the same for every graph
    if (options.progress) options.progress(worlds, total_blocks * block_worlds);
    return paired_table(setup, counts, workers.sums(), worlds, options);
}

}  // namespace

PairedSetup prepare_pairs(const std::vector<const CompiledGraph*>& graphs,
                          const std::vector<std::vector<NodeIndex>>& adversaries_per_graph,
                          const MonteCarloOptions& options) {
    check_options(options);
    if (graphs.empty()) throw ModelError("graphs: give the base and at least one variant");
    if (adversaries_per_graph.size() != graphs.size())
        throw ModelError("adversaries: " + std::to_string(adversaries_per_graph.size()) + " lists for " +
                         std::to_string(graphs.size()) + " graphs");
    for (std::size_t g = 0; g < graphs.size(); ++g) {
        if (!graphs[g]) throw ModelError("graphs[" + std::to_string(g) + "]: no graph");
        if (graphs[g]->class_count() != graphs[0]->class_count())
            throw ModelError("graphs[" + std::to_string(g) + "]: " + std::to_string(graphs[g]->class_count()) +
                             " classes, the base has " + std::to_string(graphs[0]->class_count()));
        if (adversaries_per_graph[g].size() != adversaries_per_graph[0].size())
            throw ModelError("adversaries[" + std::to_string(g) +
                             "]: " + std::to_string(adversaries_per_graph[g].size()) + " adversaries, the base has " +
                             std::to_string(adversaries_per_graph[0].size()));
        for (NodeIndex a : adversaries_per_graph[g])
            if (a < 0 || static_cast<std::size_t>(a) >= graphs[g]->node_count())
                throw ModelError("adversaries[" + std::to_string(g) + "]: no node #" + std::to_string(a));
    }

    PairedSetup setup;
    const std::size_t count = graphs.size();
    setup.graphs = graphs;
    setup.plans.reserve(count);
    std::size_t channels = 0, arcs = 0;
    for (std::size_t g = 0; g < count; ++g) {
        setup.plans.push_back(build_plan(*graphs[g], adversaries_per_graph[g], options));
        channels = std::max(channels, setup.plans.back().adversaries.size() * setup.plans.back().groups);
        arcs += setup.plans.back().arc_count();
    }
    setup.words = block_words_for(channels, arcs, options);
    for (const auto& p : setup.plans) setup.plan_of.push_back(&p);
    const auto& plans = setup.plan_of;

    PairLayout& layout = setup.layout;
    layout.variants = count - 1;
    layout.rows = adversaries_per_graph[0].size();
    layout.classes = graphs[0]->class_count();
    // Bounded by the sampling of the whole run (options.samples), whatever part of it runs here.
    layout.identical = identical_views(graphs, adversaries_per_graph, total_blocks_for(options.samples, kWorldQuantum));
    layout.same_levels.assign(layout.variants * layout.classes, 0);
    for (std::size_t v = 0; v < layout.variants; ++v)
        for (std::size_t c = 0; c < layout.classes; ++c) {
            const Plan &b = *plans[0], &p = *plans[v + 1];
            layout.same_levels[v * layout.classes + c] =
                std::equal(b.class_level_share.begin() + b.class_level_begin[c],
                           b.class_level_share.begin() + b.class_level_begin[c + 1],
                           p.class_level_share.begin() + p.class_level_begin[c],
                           p.class_level_share.begin() + p.class_level_begin[c + 1]);
        }
    setup.pair_size = layout.variants * layout.rows * layout.classes;
    setup.z = stats::normal_quantile(0.5 + options.confidence / 2.0);
    for (const Plan* p : plans) {
        setup.max_rows_words = std::max(setup.max_rows_words, rows_words(*p, setup.words));
        setup.max_arcs = std::max(setup.max_arcs, p->arc_count());
        setup.max_events = std::max(setup.max_events, p->events.size());
    }
    setup.draws.resize(count);
    for (std::size_t g = 1; g < count; ++g) setup.draws[g] = shared_arcs(*plans[0], *plans[g]);
    return setup;
}

double widest_difference(const PairedSetup& setup, const std::vector<PairSums>& sums, std::uint64_t worlds) {
    const PairLayout& layout = setup.layout;
    double out = 0.0;
    for (std::size_t v = 0; v < layout.variants; ++v)
        for (std::size_t i = 0; i < layout.rows; ++i)
            for (std::size_t c = 0; c < layout.classes; ++c) {
                const std::size_t at = (v * layout.rows + i) * layout.classes + c;
                double low, high;
                difference_interval(layout, *setup.plan_of[0], *setup.plan_of[v + 1], at, i, c, sums[at], worlds,
                                    setup.z, low, high);
                out = std::max(out, (high - low) / 2.0);
            }
    return out;
}

ComparisonTable paired_table(const PairedSetup& setup, const std::vector<const std::uint64_t*>& counts,
                             const std::vector<PairSums>& sums, std::uint64_t worlds,
                             const MonteCarloOptions& options) {
    const PairLayout& layout = setup.layout;
    const auto& plans = setup.plan_of;
    const std::size_t pair_size = setup.pair_size;
    const double z = setup.z;
    ComparisonTable out;
    for (std::size_t g = 0; g < setup.graphs.size(); ++g)
        out.tables.push_back(make_table(*setup.graphs[g], *plans[g], counts[g], worlds, options, z));

    out.variants = layout.variants;
    out.adversaries = layout.rows;
    out.classes = layout.classes;
    out.samples = worlds;
    out.seed = options.seed;
    out.identical = layout.identical;
    for (auto* column : {&out.probability_difference, &out.probability_difference_ci_low,
                         &out.probability_difference_ci_high, &out.expected_share_difference,
                         &out.expected_share_difference_ci_low, &out.expected_share_difference_ci_high})
        column->assign(pair_size, 0.0);
    out.base_only.assign(pair_size, 0);
    out.variant_only.assign(pair_size, 0);
    const ExposureTable& base_table = out.tables[0];
    const long double n = static_cast<long double>(worlds);
    for (std::size_t v = 0; v < layout.variants; ++v) {
        const ExposureTable& variant_table = out.tables[v + 1];
        const Plan &base = *plans[0], &variant = *plans[v + 1];
        for (std::size_t i = 0; i < layout.rows; ++i) {
            for (std::size_t c = 0; c < layout.classes; ++c) {
                const std::size_t at = (v * layout.rows + i) * layout.classes + c;
                const auto r = static_cast<Eigen::Index>(i), k = static_cast<Eigen::Index>(c);
                const PairSums& s = sums[at];
                out.base_only[at] = s.base_only;
                out.variant_only[at] = s.variant_only;
                const std::uint8_t kb = base.class_known[i * layout.classes + c],
                                   kv = variant.class_known[i * layout.classes + c];
                const double top_b = base.class_top[i * layout.classes + c],
                             top_v = variant.class_top[i * layout.classes + c];

                // Probability.
                double low, high;
                difference_interval(layout, base, variant, at, i, c, s, worlds, z, low, high);
                if (layout.identical[at])
                    out.probability_difference[at] = 0.0;
                else if (worlds == 0 || (probability_settled(kb) && probability_settled(kv)))
                    out.probability_difference[at] = variant_table.probability(r, k) - base_table.probability(r, k);
                else
                    out.probability_difference[at] = static_cast<double>(
                        (static_cast<long double>(s.variant_only) - static_cast<long double>(s.base_only)) / n);
                if (worlds == 0 && !layout.identical[at] && !(probability_settled(kb) && probability_settled(kv))) {
                    low = variant_table.ci_low(r, k) - base_table.ci_high(r, k);
                    high = variant_table.ci_high(r, k) - base_table.ci_low(r, k);
                }
                out.probability_difference_ci_low[at] = low;
                out.probability_difference_ci_high[at] = high;
                out.max_half_width = std::max(out.max_half_width, (high - low) / 2.0);

                // Expected share.
                double& mean = out.expected_share_difference[at];
                double& es_low = out.expected_share_difference_ci_low[at];
                double& es_high = out.expected_share_difference_ci_high[at];
                if (layout.identical[at]) {
                    mean = es_low = es_high = 0.0;
                } else if ((kb & kFixedShare) && (kv & kFixedShare)) {
                    mean = es_low = es_high = top_v - top_b;
                } else if (worlds == 0) {
                    mean = variant_table.expected_share(r, k) - base_table.expected_share(r, k);
                    es_low = variant_table.expected_share_ci_low(r, k) - base_table.expected_share_ci_high(r, k);
                    es_high = variant_table.expected_share_ci_high(r, k) - base_table.expected_share_ci_low(r, k);
                } else {
                    const long double sum =
                        (s.positive.value() - s.negative.value()) / static_cast<long double>(kFixedScale);
                    const long double squares = s.squares.value() / static_cast<long double>(kFixedScale);
                    const long double m = sum / n;
                    mean = static_cast<double>(m);
                    // The sample variance of D with z^2 / 2 pseudo-worlds at each end of its
                    // range (D = top_v and D = -top_b) about the same mean: with many worlds
                    // where the models differ it is the plain sample variance; with few or none
                    // (where a normal interval from the sample alone is far too narrow) it keeps
                    // the interval about z^2 / n wide, like Tango's interval for probabilities.
                    const long double zz = static_cast<long double>(z) * z;
                    const long double spread = std::max(0.0L, squares - sum * m) +
                                               zz / 2.0L * ((top_v - m) * (top_v - m) + (top_b + m) * (top_b + m));
                    const long double variance = spread / (n + zz - 1.0L);
                    const double half = static_cast<double>(z * std::sqrt(variance / n));
                    es_low = std::clamp(mean - half, -top_b, mean);
                    es_high = std::clamp(mean + half, mean, top_v);
                }
            }
        }
    }
    return out;
}

}  // namespace datareach::comparison

namespace datareach {

ComparisonTable monte_carlo_compare(const std::vector<const CompiledGraph*>& graphs,
                                    const std::vector<std::vector<NodeIndex>>& adversaries_per_graph,
                                    const MonteCarloOptions& options) {
    const comparison::PairedSetup setup = comparison::prepare_pairs(graphs, adversaries_per_graph, options);
    switch (setup.words) {
        case 1: return comparison::run<1>(setup, options);
        case 2: return comparison::run<2>(setup, options);
        case 4: return comparison::run<4>(setup, options);
        default: return comparison::run<8>(setup, options);
    }
}

}  // namespace datareach
