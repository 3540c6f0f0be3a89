// Monte Carlo in parts (docs/design.md §2.7, §4): the worlds of one run split into ranges
// that can be evaluated anywhere — other threads, processes, machines — whose integer counts,
// summed, give exactly the numbers of the whole run.
//
// A run draws whole quanta of 512 worlds; quantum q holds the worlds [512 q, 512 (q + 1)).
// Every random bit is keyed by (seed, variable key, world index) and every count is an
// integer, so the counts of the quanta [0, k) are the same however they are split into
// ranges, whichever machine evaluates a range, and whatever its thread count or block size.
// A coordinator therefore splits the quanta into ranges, has count() evaluate each, adds the
// counts with add(), and makes the table of the summed counts with table(): the table of
// monte_carlo_exposure (or monte_carlo_compare) with the same options. With a tolerance, it
// runs the segments between checkpoints() in turn and asks converged() after each, the test
// the threaded run makes at the same checkpoints, so it stops after the same worlds.
//
// A counts array is flat: element 0 the worlds counted, then the engine's integer counts
// (for a comparison: every graph's, then the paired sums). Its layout is private to the
// sampler that made it; it is meant to travel as it is and to be added by add().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "datareach/comparison.hpp"
#include "datareach/compiled_graph.hpp"
#include "datareach/exposure.hpp"
#include "datareach/monte_carlo.hpp"

namespace datareach {

// The worlds of one quantum: runs are drawn in whole quanta, whatever the block size.
constexpr std::uint64_t kWorldsPerQuantum = 512;

// A read-only view of a counts array.
struct CountsView {
    const std::uint64_t* data = nullptr;
    std::size_t size = 0;

    CountsView() = default;
    CountsView(const std::uint64_t* values, std::size_t count) : data(values), size(count) {}
    CountsView(const std::vector<std::uint64_t>& values) : data(values.data()), size(values.size()) {}  // NOLINT
};

// Monte Carlo exposure of one graph, world range by world range. The graph must outlive the
// sampler. options as for monte_carlo_exposure: samples (the whole run's), seed, tolerance,
// confidence and places fix the run; threads, progress and cancel apply to each count().
class ExposureSampler {
public:
    // Throws ModelError as monte_carlo_exposure does.
    ExposureSampler(const CompiledGraph& graph, const std::vector<NodeIndex>& adversaries,
                    const MonteCarloOptions& options);
    ~ExposureSampler();
    ExposureSampler(ExposureSampler&&) noexcept;
    ExposureSampler& operator=(ExposureSampler&&) noexcept;

    // Quanta of the whole run (options.samples rounded up).
    std::uint64_t quanta() const;
    // Where the segments of the run end, in quanta, ascending, the last = quanta(): with a
    // tolerance, the checkpoints of the threaded run; without, quanta() alone.
    std::vector<std::uint64_t> checkpoints() const;
    // Length of a counts array.
    std::size_t counts_size() const;
    // Counts of the worlds of quanta [first, last) (first <= last <= quanta(), else
    // ModelError). A run stopped by options.progress or options.cancel counts only the
    // blocks it finished (element 0 says how many worlds).
    std::vector<std::uint64_t> count(std::uint64_t first, std::uint64_t last) const;
    // Adds `part` into `total` (both of counts_size(); ModelError otherwise).
    void add(std::uint64_t* total, std::size_t size, CountsView part) const;
    // The widest class-level probability half-width of summed counts.
    double max_half_width(CountsView counts) const;
    // Whether summed counts meet options.tolerance (the threaded run's stopping test); false
    // without a tolerance.
    bool converged(CountsView counts) const;
    // The table of summed counts: monte_carlo_exposure's for the same worlds.
    ExposureTable table(CountsView counts) const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

// The paired comparison, world range by world range; as ExposureSampler, with the arguments
// and checks of monte_carlo_compare (the graphs must outlive the sampler), converged() on
// the probability-difference intervals and table() giving monte_carlo_compare's table.
class ComparisonSampler {
public:
    ComparisonSampler(const std::vector<const CompiledGraph*>& graphs,
                      const std::vector<std::vector<NodeIndex>>& adversaries_per_graph,
                      const MonteCarloOptions& options);
    ~ComparisonSampler();
    ComparisonSampler(ComparisonSampler&&) noexcept;
    ComparisonSampler& operator=(ComparisonSampler&&) noexcept;

    std::uint64_t quanta() const;
    std::vector<std::uint64_t> checkpoints() const;
    std::size_t counts_size() const;
    std::vector<std::uint64_t> count(std::uint64_t first, std::uint64_t last) const;
    void add(std::uint64_t* total, std::size_t size, CountsView part) const;
    double max_half_width(CountsView counts) const;
    bool converged(CountsView counts) const;
    ComparisonTable table(CountsView counts) const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace datareach
