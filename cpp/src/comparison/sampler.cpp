// The paired comparison world range by world range (datareach/samplers.hpp): the setup and
// the per-block evaluation of the threaded run (paired_run.hpp) over one range, and its table
// from summed counts. A counts array holds the worlds, every graph's counts, then per
// (variant, adversary, class) the paired sums as eight words (n10, n01, and the low and high
// words of the three 128-bit sums), which add() adds with their carries.
#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "../monte_carlo/driver.hpp"
#include "datareach/errors.hpp"
#include "datareach/samplers.hpp"
#include "paired_run.hpp"
#include "paired_sums.hpp"

namespace datareach {

using namespace monte_carlo::detail;
using namespace comparison;

namespace {

constexpr std::size_t kPairWords = 8;

void put(const Sum128& sum, std::uint64_t* out) {
    out[0] = sum.low;
    out[1] = sum.high;
}

Sum128 get(const std::uint64_t* in) {
    Sum128 sum;
    sum.low = in[0];
    sum.high = in[1];
    return sum;
}

void put(const PairSums& sums, std::uint64_t* out) {
    out[0] = sums.base_only;
    out[1] = sums.variant_only;
    put(sums.positive, out + 2);
    put(sums.negative, out + 4);
    put(sums.squares, out + 6);
}

PairSums get_pair(const std::uint64_t* in) {
    PairSums sums;
    sums.base_only = in[0];
    sums.variant_only = in[1];
    sums.positive = get(in + 2);
    sums.negative = get(in + 4);
    sums.squares = get(in + 6);
    return sums;
}

}  // namespace

struct ComparisonSampler::State {
    MonteCarloOptions options;
    PairedSetup setup;
    std::uint64_t quanta = 0;
    std::vector<std::size_t> graph_offset;  // per graph, then the paired sums' offset
    std::size_t size = 0;

    State(const MonteCarloOptions& o, PairedSetup&& s) : options(o), setup(std::move(s)) {
        quanta = total_blocks_for(options.samples, kWorldQuantum);
        std::size_t at = 1;
        for (std::size_t g = 0; g < setup.graphs.size(); ++g) {
            graph_offset.push_back(at);
            at += setup.counts_size(g);
        }
        graph_offset.push_back(at);
        size = at + kPairWords * setup.pair_size;
    }

    void check(CountsView counts, const char* what) const {
        if (counts.size != size)
            throw ModelError(std::string(what) + ": expected " + std::to_string(size) + " counts, got " +
                             std::to_string(counts.size));
    }

    std::vector<PairSums> sums_of(CountsView counts) const {
        std::vector<PairSums> sums(setup.pair_size);
        const std::uint64_t* at = counts.data + graph_offset.back();
        for (std::size_t k = 0; k < sums.size(); ++k) sums[k] = get_pair(at + kPairWords * k);
        return sums;
    }

    template <int W>
    std::vector<std::uint64_t> count(std::uint64_t first, std::uint64_t last) const {
        std::vector<std::uint64_t> out(size, 0);
        if (setup.layout.rows == 0 || first == last) return out;
        const std::uint64_t block_worlds = 64 * W;
        const unsigned threads = static_cast<unsigned>(std::min<std::uint64_t>(
            options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency()),
            (last - first) * (kWorldQuantum / block_worlds)));
        PairedWorkers<W> workers(setup, threads);
        run_quanta(threads, first, last, block_worlds, options,
                   [&](unsigned t, std::uint64_t block, const std::atomic<bool>& stop) {
                       return workers.run_block(t, block, stop);
                   });
        for (std::size_t g = 0; g < setup.graphs.size(); ++g) {
            const Tally tally = workers.tally(g);
            if (g == 0) out[0] = tally.blocks * block_worlds;  // the same for every graph
            std::copy(tally.counts.begin(), tally.counts.end(), out.begin() + graph_offset[g]);
        }
        const std::vector<PairSums> sums = workers.sums();
        for (std::size_t k = 0; k < sums.size(); ++k) put(sums[k], out.data() + graph_offset.back() + kPairWords * k);
        if (options.progress) options.progress(out[0], (last - first) * kWorldQuantum);
        return out;
    }
};

ComparisonSampler::ComparisonSampler(const std::vector<const CompiledGraph*>& graphs,
                                     const std::vector<std::vector<NodeIndex>>& adversaries_per_graph,
                                     const MonteCarloOptions& options)
    : state_(std::make_unique<State>(options, prepare_pairs(graphs, adversaries_per_graph, options))) {}

ComparisonSampler::~ComparisonSampler() = default;
ComparisonSampler::ComparisonSampler(ComparisonSampler&&) noexcept = default;
ComparisonSampler& ComparisonSampler::operator=(ComparisonSampler&&) noexcept = default;

std::uint64_t ComparisonSampler::quanta() const { return state_->quanta; }

std::vector<std::uint64_t> ComparisonSampler::checkpoints() const {
    return checkpoint_blocks(state_->quanta, kWorldQuantum, state_->options.tolerance > 0.0);
}

std::size_t ComparisonSampler::counts_size() const { return state_->size; }

std::vector<std::uint64_t> ComparisonSampler::count(std::uint64_t first, std::uint64_t last) const {
    check_quanta(first, last, state_->quanta);
    switch (state_->setup.words) {
        case 1: return state_->count<1>(first, last);
        case 2: return state_->count<2>(first, last);
        case 4: return state_->count<4>(first, last);
        default: return state_->count<8>(first, last);
    }
}

void ComparisonSampler::add(std::uint64_t* total, std::size_t size, CountsView part) const {
    state_->check({total, size}, "total");
    state_->check(part, "part");
    const std::size_t pairs_at = state_->graph_offset.back();
    for (std::size_t k = 0; k < pairs_at; ++k) total[k] += part.data[k];
    for (std::size_t k = 0; k < state_->setup.pair_size; ++k) {
        std::uint64_t* into = total + pairs_at + kPairWords * k;
        PairSums sums = get_pair(into);
        sums.add(get_pair(part.data + pairs_at + kPairWords * k));
        put(sums, into);
    }
}

double ComparisonSampler::max_half_width(CountsView counts) const {
    state_->check(counts, "counts");
    return widest_difference(state_->setup, state_->sums_of(counts), counts.data[0]);
}

bool ComparisonSampler::converged(CountsView counts) const {
    const double widest = max_half_width(counts);  // checks the counts, with or without a tolerance
    return state_->options.tolerance > 0.0 && widest <= state_->options.tolerance;
}

ComparisonTable ComparisonSampler::table(CountsView counts) const {
    state_->check(counts, "counts");
    std::vector<const std::uint64_t*> per_graph;
    for (std::size_t g = 0; g < state_->setup.graphs.size(); ++g)
        per_graph.push_back(counts.data + state_->graph_offset[g]);
    return paired_table(state_->setup, per_graph, state_->sums_of(counts), counts.data[0], state_->options);
}

}  // namespace datareach
