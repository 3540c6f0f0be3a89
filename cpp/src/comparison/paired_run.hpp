// The pieces of a paired comparison run (see datareach/comparison.hpp), shared by the
// threaded run of monte_carlo_compare and by the comparison sampler that runs world ranges
// anywhere (datareach/samplers.hpp): what is fixed before the first world (plans, layout,
// which variant arcs copy the base's masks), the per-thread evaluation of one block, and
// the table from summed counts. One code path, so both give the same numbers.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "../monte_carlo/driver.hpp"
#include "../monte_carlo/kernel.hpp"
#include "../monte_carlo/plan.hpp"
#include "../monte_carlo/scratch.hpp"
#include "datareach/comparison.hpp"
#include "paired_sums.hpp"

namespace datareach::comparison {

using monte_carlo::detail::Tally;

// Everything a paired run fixes before the first world is drawn.
struct PairedSetup {
    std::vector<const CompiledGraph*> graphs;  // base first
    std::vector<Plan> plans;                   // one per graph
    std::vector<const Plan*> plan_of;          // pointers into plans
    PairLayout layout;
    std::size_t pair_size = 0;  // variants x adversaries x classes
    // Per graph (empty for the base): the live words it draws itself and those it copies
    // from the base's.
    std::vector<monte_carlo::detail::DrawList> draws;
    std::size_t max_rows_words = 0, max_arcs = 0, max_events = 0;
    double z = 0.0;
    unsigned words = 8;  // block size, words of 64 worlds

    PairedSetup() = default;
    PairedSetup(const PairedSetup&) = delete;  // plan_of points into plans
    PairedSetup& operator=(const PairedSetup&) = delete;
    PairedSetup(PairedSetup&&) = default;  // moving a vector keeps its elements in place
    PairedSetup& operator=(PairedSetup&&) = default;

    std::size_t counts_size(std::size_t graph) const { return plans[graph].adversaries.size() * plans[graph].stride; }
};

// Checks the arguments as monte_carlo_compare documents (ModelError) and fixes the setup.
PairedSetup prepare_pairs(const std::vector<const CompiledGraph*>& graphs,
                          const std::vector<std::vector<NodeIndex>>& adversaries, const MonteCarloOptions& options);

// The widest probability-difference half-width (the stopping rule of a run with a tolerance).
double widest_difference(const PairedSetup& setup, const std::vector<PairSums>& sums, std::uint64_t worlds);

// The comparison table from summed counts: counts[g] is graph g's (adversaries x stride).
ComparisonTable paired_table(const PairedSetup& setup, const std::vector<const std::uint64_t*>& counts,
                             const std::vector<PairSums>& sums, std::uint64_t worlds, const MonteCarloOptions& options);

// The per-thread state of a paired run: each worker evaluates a block graph by graph, the
// base first with live words of its own, from which the variants copy those of the arcs
// they share with it; the block counts only if every graph finished it.
template <int W>
class PairedWorkers {
public:
    PairedWorkers(const PairedSetup& setup, unsigned threads)
        : setup_(setup),
          scratch_(threads),
          base_live_(threads),
          pairs_(threads),
          tallies_(setup.graphs.size()),
          thread_tallies_(threads) {
        for (auto& per_graph : tallies_) per_graph.resize(threads);
    }

    // Evaluates block `block` on worker t's state; false (nothing tallied) if stopped midway.
    bool run_block(unsigned t, std::uint64_t block, const std::atomic<bool>& stop) {
        using monte_carlo::detail::Donor;
        using monte_carlo::detail::Kernel;
        using monte_carlo::detail::LiveWords;
        using monte_carlo::detail::Scratch;
        using monte_carlo::detail::Tallies;
        const auto& graphs = setup_.graphs;
        const auto& plans = setup_.plan_of;
        const std::size_t count = graphs.size();
        if (!scratch_[t]) {
            scratch_[t] = std::make_unique<Scratch>(setup_.max_rows_words, setup_.max_arcs, setup_.max_events, W);
            base_live_[t] = std::make_unique<LiveWords>(plans[0]->arc_count(), plans[0]->events.size(), W);
            for (std::size_t g = 0; g < count; ++g) {
                tallies_[g][t] = std::make_unique<Tallies>(*plans[g], W, true);
                thread_tallies_[t].push_back(tallies_[g][t].get());
            }
            pairs_[t] = std::make_unique<PairSpace<W>>(setup_.pair_size);
        }
        if (!Kernel<W>(*graphs[0], *plans[0], *scratch_[t], *thread_tallies_[t][0], stop, base_live_[t].get())
                 .compute_block(block))
            return false;
        for (std::size_t g = 1; g < count; ++g) {
            const Donor donor{base_live_[t].get(), &setup_.draws[g]};
            if (!Kernel<W>(*graphs[g], *plans[g], *scratch_[t], *thread_tallies_[t][g], stop, nullptr, donor)
                     .compute_block(block))
                return false;
        }
        for (std::size_t g = 0; g < count; ++g)
            Kernel<W>(*graphs[g], *plans[g], *scratch_[t], *thread_tallies_[t][g], stop).commit();
        pairs_[t]->tally(plans, thread_tallies_[t], setup_.layout);
        return true;
    }

    // Graph g's counts summed over the workers.
    Tally tally(std::size_t g) const { return monte_carlo::detail::sum_counts(tallies_[g], setup_.counts_size(g)); }

    // The paired sums summed over the workers.
    std::vector<PairSums> sums() const { return sum_pairs(pairs_, setup_.pair_size); }

private:
    const PairedSetup& setup_;
    std::vector<std::unique_ptr<monte_carlo::detail::Scratch>> scratch_;
    std::vector<std::unique_ptr<monte_carlo::detail::LiveWords>> base_live_;
    std::vector<std::unique_ptr<PairSpace<W>>> pairs_;
    std::vector<std::vector<std::unique_ptr<monte_carlo::detail::Tallies>>> tallies_;  // per graph, per thread
    std::vector<std::vector<monte_carlo::detail::Tallies*>> thread_tallies_;           // per thread, per graph
};

}  // namespace datareach::comparison
