// Exposure with arcs removed, by Monte Carlo (datareach/removal.hpp): per block of the
// exposure engine's worlds (part_worlds.hpp), one forward propagation, then for each
// removal set a propagation over the other live arcs among the exposed worlds only (a
// removal can only lose worlds). Integer counts per worker: thread-count independent.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "../monte_carlo/driver.hpp"
#include "datareach/intervals.hpp"
#include "datareach/paths.hpp"
#include "datareach/removal.hpp"
#include "part_worlds.hpp"
#include "relevant_part.hpp"

namespace datareach {
namespace {

using explain::Mask;
using explain::popcount;

class Worker {
public:
    Worker(const explain::PartLayout& layout, const std::vector<std::vector<std::int64_t>>& sets,
           const std::atomic<bool>& stop)
        : worlds_(layout, stop), sets_(sets), still_(sets.size(), 0), block_still_(sets.size(), 0) {}

    std::uint64_t exposed = 0, worlds = 0;
    const std::vector<std::uint64_t>& still() const { return still_; }

    bool run_block(std::uint64_t block) {
        auto& x = worlds_;
        x.draw(block);
        if (!x.forward()) return false;
        std::uint64_t some = 0;
        for (auto word : x.exposed) some |= word;
        for (std::size_t k = 0; k < sets_.size(); ++k) {
            block_still_[k] = 0;
            if (!some) continue;
            if (sets_[k].empty()) {
                block_still_[k] = popcount(x.exposed);
                continue;
            }
            Mask reaches;
            if (!x.reach_without(sets_[k], x.exposed, reaches)) return false;
            block_still_[k] = popcount(reaches);
        }
        for (std::size_t k = 0; k < sets_.size(); ++k) still_[k] += block_still_[k];
        exposed += popcount(x.exposed);
        worlds += 64 * explain::kPartWords;
        return true;
    }

private:
    explain::PartWorlds worlds_;
    const std::vector<std::vector<std::int64_t>>& sets_;
    std::vector<std::uint64_t> still_, block_still_;
};

}  // namespace

RemovalExposures monte_carlo_removal_exposures(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class,
                                               const std::vector<std::vector<ArcIndex>>& removals,
                                               const MonteCarloOptions& options) {
    monte_carlo::detail::check_options(options);
    check_atomic_request(graph, adversary, atomic_class, "exposure is computed per stored class");
    const explain::RelevantPart part = explain::relevant_part(graph, adversary, atomic_class);
    RemovalExposures out;
    out.method = "monte_carlo";
    const std::uint64_t block_worlds = 64 * explain::kPartWords;
    const std::uint64_t total_blocks = monte_carlo::detail::total_blocks_for(options.samples, block_worlds);
    if (!part.reachable || part.adversary_holds) {  // the same in every world
        const double settled = part.adversary_holds ? 1.0 : 0.0;
        out.base = out.base_low = out.base_high = settled;
        out.exposure.assign(removals.size(), settled);
        out.low = out.high = out.exposure;
        out.samples = total_blocks * block_worlds;
        return out;
    }
    // Each set as local arcs of the part; arcs off every path are dropped (they change nothing).
    std::vector<std::vector<std::int64_t>> sets(removals.size());
    for (std::size_t k = 0; k < removals.size(); ++k) {
        for (ArcIndex arc : removals[k]) {
            const auto it = std::lower_bound(part.arcs.begin(), part.arcs.end(), arc);
            if (it != part.arcs.end() && *it == arc) sets[k].push_back(it - part.arcs.begin());
        }
        std::sort(sets[k].begin(), sets[k].end());
        sets[k].erase(std::unique(sets[k].begin(), sets[k].end()), sets[k].end());
    }
    const explain::PartLayout layout(graph, part, options.seed);
    const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
    const unsigned threads = static_cast<unsigned>(std::min<std::uint64_t>(options.threads ? options.threads : hardware,
                                                                           std::max<std::uint64_t>(1, total_blocks)));
    std::vector<std::unique_ptr<Worker>> workers(threads);
    MonteCarloOptions fixed = options;
    fixed.tolerance = 0.0;  // a fixed budget: every set is judged on the same worlds
    monte_carlo::detail::run_blocks(
        threads, total_blocks, block_worlds, fixed,
        [&](unsigned t, std::uint64_t block, const std::atomic<bool>& stop) {
            if (!workers[t]) workers[t] = std::make_unique<Worker>(layout, sets, stop);
            return workers[t]->run_block(block);
        },
        [] { return false; });
    std::uint64_t exposed = 0, worlds = 0;
    std::vector<std::uint64_t> still(removals.size(), 0);
    for (const auto& w : workers) {
        if (!w) continue;
        exposed += w->exposed;
        worlds += w->worlds;
        for (std::size_t k = 0; k < still.size(); ++k) still[k] += w->still()[k];
    }
    const double z = stats::normal_quantile(1.0 - (1.0 - options.confidence) / 2.0);
    auto proportion = [&](std::uint64_t hits, double& point, double& low, double& high) {
        stats::wilson_interval(hits, worlds, z, low, high);
        point = worlds ? static_cast<double>(hits) / static_cast<double>(worlds) : 0.0;
    };
    proportion(exposed, out.base, out.base_low, out.base_high);
    out.exposure.resize(removals.size());
    out.low.resize(removals.size());
    out.high.resize(removals.size());
    for (std::size_t k = 0; k < removals.size(); ++k) proportion(still[k], out.exposure[k], out.low[k], out.high[k]);
    out.samples = worlds;
    if (options.progress) options.progress(worlds, total_blocks * block_worlds);
    return out;
}

}  // namespace datareach
