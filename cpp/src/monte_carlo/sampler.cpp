// Monte Carlo exposure world range by world range (datareach/samplers.hpp): the plan of the
// whole run, the kernel of the threaded run over one range, and the tables of tables.cpp
// from summed counts — the same pieces as monte_carlo_exposure, so the same numbers.
#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "datareach/errors.hpp"
#include "datareach/intervals.hpp"
#include "datareach/samplers.hpp"
#include "driver.hpp"
#include "kernel.hpp"
#include "plan.hpp"
#include "scratch.hpp"
#include "tables.hpp"

namespace datareach {

using namespace monte_carlo::detail;

struct ExposureSampler::State {
    const CompiledGraph& graph;
    MonteCarloOptions options;
    Plan plan;
    unsigned words = 8;
    std::uint64_t quanta = 0;
    std::size_t size = 0;  // adversaries x stride
    double z = 0.0;

    State(const CompiledGraph& g, const MonteCarloOptions& o) : graph(g), options(o) {}

    void check(CountsView counts, const char* what) const {
        if (counts.size != 1 + size)
            throw ModelError(std::string(what) + ": expected " + std::to_string(1 + size) + " counts, got " +
                             std::to_string(counts.size));
    }

    template <int W>
    std::vector<std::uint64_t> count(std::uint64_t first, std::uint64_t last) const {
        std::vector<std::uint64_t> out(1 + size, 0);
        if (plan.adversaries.empty() || first == last) return out;
        const std::uint64_t block_worlds = 64 * W;
        const unsigned threads = static_cast<unsigned>(std::min<std::uint64_t>(
            options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency()),
            (last - first) * (kWorldQuantum / block_worlds)));
        std::vector<std::unique_ptr<Scratch>> scratch(threads);
        std::vector<std::unique_ptr<Tallies>> tallies(threads);
        run_quanta(threads, first, last, block_worlds, options,
                   [&](unsigned t, std::uint64_t block, const std::atomic<bool>& stop) {
                       if (!scratch[t]) {
                           scratch[t] = std::make_unique<Scratch>(rows_words(plan, W), live_arcs(plan, W),
                                                                  plan.events.size(), W);
                           tallies[t] = std::make_unique<Tallies>(plan, W);
                       }
                       return Kernel<W>(graph, plan, *scratch[t], *tallies[t], stop).run_block(block);
                   });
        const Tally tally = sum_counts(tallies, size);
        out[0] = tally.blocks * block_worlds;
        std::copy(tally.counts.begin(), tally.counts.end(), out.begin() + 1);
        if (options.progress) options.progress(out[0], (last - first) * kWorldQuantum);
        return out;
    }
};

ExposureSampler::ExposureSampler(const CompiledGraph& graph, const std::vector<NodeIndex>& adversaries,
                                 const MonteCarloOptions& options) {
    check_options(options);
    for (NodeIndex a : adversaries)
        if (a < 0 || static_cast<std::size_t>(a) >= graph.node_count())
            throw ModelError("adversaries: no node #" + std::to_string(a));
    state_ = std::make_unique<State>(graph, options);
    state_->plan = build_plan(graph, adversaries, options);
    state_->words =
        block_words_for(state_->plan.adversaries.size() * state_->plan.groups, state_->plan.max_chunk_arcs, options);
    state_->quanta = total_blocks_for(options.samples, kWorldQuantum);
    state_->size = state_->plan.adversaries.size() * state_->plan.stride;
    state_->z = stats::normal_quantile(0.5 + options.confidence / 2.0);
}

ExposureSampler::~ExposureSampler() = default;
ExposureSampler::ExposureSampler(ExposureSampler&&) noexcept = default;
ExposureSampler& ExposureSampler::operator=(ExposureSampler&&) noexcept = default;

std::uint64_t ExposureSampler::quanta() const { return state_->quanta; }

std::vector<std::uint64_t> ExposureSampler::checkpoints() const {
    return checkpoint_blocks(state_->quanta, kWorldQuantum, state_->options.tolerance > 0.0);
}

std::size_t ExposureSampler::counts_size() const { return 1 + state_->size; }

std::vector<std::uint64_t> ExposureSampler::count(std::uint64_t first, std::uint64_t last) const {
    check_quanta(first, last, state_->quanta);
    switch (state_->words) {
        case 1: return state_->count<1>(first, last);
        case 2: return state_->count<2>(first, last);
        case 4: return state_->count<4>(first, last);
        default: return state_->count<8>(first, last);
    }
}

void ExposureSampler::add(std::uint64_t* total, std::size_t size, CountsView part) const {
    state_->check({total, size}, "total");
    state_->check(part, "part");
    for (std::size_t k = 0; k < size; ++k) total[k] += part.data[k];
}

double ExposureSampler::max_half_width(CountsView counts) const {
    state_->check(counts, "counts");
    return class_max_half_width(state_->graph, state_->plan, counts.data + 1, counts.data[0], state_->z);
}

bool ExposureSampler::converged(CountsView counts) const {
    const double widest = max_half_width(counts);  // checks the counts, with or without a tolerance
    return state_->options.tolerance > 0.0 && widest <= state_->options.tolerance;
}

ExposureTable ExposureSampler::table(CountsView counts) const {
    state_->check(counts, "counts");
    return make_table(state_->graph, state_->plan, counts.data + 1, counts.data[0], state_->options, state_->z);
}

}  // namespace datareach
