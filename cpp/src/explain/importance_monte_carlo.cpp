// Monte Carlo importance of every variable in one pass (datareach/importance.hpp). Per block
// of 512 worlds, on the relevant part only (part_worlds.hpp: the exposure engine's worlds):
// propagate the reached worlds forward from the adversary and, among the worlds where the
// class is not reached, the worlds in which a node reaches a holding store backward; read
// off every arc's critical worlds; then one incremental propagation per event. Integer
// counts per worker, summed at the end: the result does not depend on the thread count.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "../monte_carlo/driver.hpp"
#include "datareach/importance.hpp"
#include "datareach/intervals.hpp"
#include "datareach/paths.hpp"
#include "part_worlds.hpp"
#include "relevant_part.hpp"

namespace datareach {
namespace {

using explain::Mask;
using explain::popcount;
constexpr int W = explain::kPartWords;

// The variable rows: each random coin of a local arc, then each local event.
struct Rows {
    std::vector<std::int64_t> coin_row;  // per local arc: its row, -1 if its coin is certain
    std::size_t events = 0, count = 0;
    Rows(const CompiledGraph& graph, const explain::RelevantPart& part) {
        for (ArcIndex arc : part.arcs)
            coin_row.push_back(explain::random_probability(graph.arc_p(arc)) ? static_cast<std::int64_t>(count++) : -1);
        events = part.events.size();
        count += events;
    }
    std::size_t event_row(std::size_t e) const { return count - events + e; }
};

// Per variable row: the worlds where it is down, those where it is critical (all of which
// have it down) and those where the class is exposed with it down. Plus exposed worlds.
struct Counts {
    std::vector<std::uint64_t> down, critical, exposed_down;
    std::uint64_t exposed = 0, worlds = 0;
    explicit Counts(std::size_t rows) : down(rows, 0), critical(rows, 0), exposed_down(rows, 0) {}
    void clear() {
        std::fill(down.begin(), down.end(), 0);
        std::fill(critical.begin(), critical.end(), 0);
        std::fill(exposed_down.begin(), exposed_down.end(), 0);
        exposed = worlds = 0;
    }
    void add(const Counts& o) {
        for (std::size_t k = 0; k < down.size(); ++k) {
            down[k] += o.down[k];
            critical[k] += o.critical[k];
            exposed_down[k] += o.exposed_down[k];
        }
        exposed += o.exposed;
        worlds += o.worlds;
    }
};

class Worker {
public:
    Worker(const explain::PartLayout& layout, const Rows& rows, const std::atomic<bool>& stop)
        : worlds_(layout, stop), rows_(rows), counts_(rows.count), block_(rows.count) {}

    const Counts& counts() const { return counts_; }

    // Evaluates one block and adds it to the counts; false (nothing added) if stopped.
    bool run_block(std::uint64_t block) {
        auto& x = worlds_;
        const auto& part = x.L.part;
        block_.clear();
        x.draw(block);
        if (!x.forward()) return false;
        Mask safe;
        for (int w = 0; w < W; ++w) safe[w] = ~x.exposed[w];
        if (!x.backward(safe)) return false;
        block_.exposed = popcount(x.exposed);
        block_.worlds = 64 * W;
        for (std::size_t a = 0; a < part.arc_count(); ++a) {
            const std::int64_t row = rows_.coin_row[a];
            if (row < 0) continue;
            Mask critical, down, down_exposed;
            const Mask& from = x.reached[part.source[a]];
            const Mask& to = x.back[part.target[a]];
            for (int w = 0; w < W; ++w) {
                critical[w] = from[w] & to[w];
                down[w] = ~x.coin[a][w];
                down_exposed[w] = x.exposed[w] & down[w];
            }
            for (auto it = part.events_begin(a); it != part.events_end(a); ++it)
                for (int w = 0; w < W; ++w) critical[w] &= x.event[*it][w];
            block_.down[row] += popcount(down);
            block_.critical[row] += popcount(critical);
            block_.exposed_down[row] += popcount(down_exposed);
        }
        for (std::size_t e = 0; e < part.events.size(); ++e) {
            const std::size_t row = rows_.event_row(e);
            Mask down, lanes, down_exposed;
            std::uint64_t some = 0;
            for (int w = 0; w < W; ++w) {
                down[w] = ~x.event[e][w];
                lanes[w] = down[w] & safe[w];
                down_exposed[w] = down[w] & x.exposed[w];
                some |= lanes[w];
            }
            block_.down[row] += popcount(down);
            block_.exposed_down[row] += popcount(down_exposed);
            if (!some) continue;
            Mask critical;
            if (!x.raise_event(static_cast<std::int32_t>(e), lanes, critical)) return false;
            block_.critical[row] += popcount(critical);
        }
        counts_.add(block_);
        return true;
    }

private:
    explain::PartWorlds worlds_;
    const Rows& rows_;
    Counts counts_, block_;
};

void wilson(std::uint64_t hits, std::uint64_t n, double z, double& point, double& low, double& high) {
    stats::wilson_interval(hits, n, z, low, high);
    point = n ? static_cast<double>(hits) / static_cast<double>(n) : std::nan("");
}

}  // namespace

Importance monte_carlo_importance(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class,
                                  const MonteCarloOptions& options) {
    monte_carlo::detail::check_options(options);
    check_atomic_request(graph, adversary, atomic_class, "importance is computed per stored class");
    const explain::RelevantPart part = explain::relevant_part(graph, adversary, atomic_class);
    Importance out;
    out.method = "monte_carlo";
    const std::uint64_t block_worlds = 64 * W;
    const std::uint64_t total_blocks = monte_carlo::detail::total_blocks_for(options.samples, block_worlds);
    if (!part.reachable || part.adversary_holds) {  // settled: the same in every world
        out.exposure = out.exposure_low = out.exposure_high = part.adversary_holds ? 1.0 : 0.0;
        out.samples = total_blocks * block_worlds;
        return out;
    }
    const explain::PartLayout layout(graph, part, options.seed);
    const Rows row_of(graph, part);
    const std::size_t rows = row_of.count;
    const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
    const unsigned threads = static_cast<unsigned>(std::min<std::uint64_t>(options.threads ? options.threads : hardware,
                                                                           std::max<std::uint64_t>(1, total_blocks)));
    const double z = stats::normal_quantile(1.0 - (1.0 - options.confidence) / 2.0);

    std::vector<std::unique_ptr<Worker>> workers(threads);
    auto summed = [&] {
        Counts total(rows);
        for (const auto& w : workers)
            if (w) total.add(w->counts());
        return total;
    };
    // The variables (arcs' coins, then events) are known before sampling; fill() sets the
    // estimates from the counts, at every checkpoint and at the end.
    for (std::size_t a = 0; a < part.arc_count(); ++a)
        if (row_of.coin_row[a] >= 0) {
            out.arc.push_back(part.arcs[a]);
            out.event.push_back(-1);
            out.p.push_back(graph.arc_p(part.arcs[a]));
        }
    for (std::int32_t e : part.events) {
        out.arc.push_back(-1);
        out.event.push_back(e);
        out.p.push_back(graph.event_p(e));
    }
    for (auto* column : {&out.importance, &out.importance_low, &out.importance_high, &out.removed, &out.removed_low,
                         &out.removed_high})
        column->assign(rows, 0.0);
    auto fill = [&](const Counts& c) {
        out.max_half_width = 0.0;
        for (std::size_t k = 0; k < rows; ++k) {
            wilson(c.critical[k], c.down[k], z, out.importance[k], out.importance_low[k], out.importance_high[k]);
            wilson(c.exposed_down[k], c.down[k], z, out.removed[k], out.removed_low[k], out.removed_high[k]);
            out.max_half_width = std::max({out.max_half_width, (out.importance_high[k] - out.importance_low[k]) / 2,
                                           (out.removed_high[k] - out.removed_low[k]) / 2});
        }
        wilson(c.exposed, c.worlds, z, out.exposure, out.exposure_low, out.exposure_high);
        out.max_half_width = std::max(out.max_half_width, (out.exposure_high - out.exposure_low) / 2);
        out.samples = c.worlds;
    };
    monte_carlo::detail::run_blocks(
        threads, total_blocks, block_worlds, options,
        [&](unsigned t, std::uint64_t block, const std::atomic<bool>& stop) {
            if (!workers[t]) workers[t] = std::make_unique<Worker>(layout, row_of, stop);
            return workers[t]->run_block(block);
        },
        [&] {
            fill(summed());
            return out.max_half_width <= options.tolerance;
        });
    fill(summed());
    if (options.progress) options.progress(out.samples, total_blocks * block_worlds);  // the final report
    return out;
}

}  // namespace datareach
