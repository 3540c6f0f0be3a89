// Monte Carlo importance of every variable in one pass (datareach/importance.hpp). Per block
// of 512 worlds, on the relevant part only: draw every coin and event (the same counter-based
// streams as the exposure engine, so the same worlds), propagate the reached worlds forward
// from the adversary and the worlds in which a node reaches a holding store backward, read
// off every arc's critical worlds, then one incremental propagation per event. Integer
// counts per worker, summed at the end: the result does not depend on the thread count.
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "../monte_carlo/driver.hpp"
#include "datareach/errors.hpp"
#include "datareach/importance.hpp"
#include "datareach/intervals.hpp"
#include "datareach/paths.hpp"
#include "datareach/random_streams.hpp"
#include "relevant_part.hpp"

namespace datareach {
namespace {

using monte_carlo::bernoulli_word;
using monte_carlo::BernoulliP;
using monte_carlo::stream_base;

constexpr int W = 8;  // words of 64 worlds per block: the exposure engine's quantum
using Mask = std::array<std::uint64_t, W>;

// The relevant part in the layout the propagation reads: CSR both ways over local arcs.
struct Layout {
    const explain::RelevantPart& part;
    std::vector<std::int64_t> out_offsets, out_arcs, in_offsets, in_arcs;
    std::vector<std::int64_t> event_arc_offsets, event_arcs;  // per local event: the arcs requiring it
    std::vector<std::uint64_t> arc_stream, event_stream;
    std::vector<BernoulliP> arc_p, event_p;
    std::vector<std::int32_t> holding;    // local holding stores
    std::vector<std::int64_t> coin_row;   // per local arc: its variable row, -1 if certain
    std::vector<std::int64_t> event_row;  // per local event: its variable row

    Layout(const CompiledGraph& graph, const explain::RelevantPart& relevant, std::uint64_t seed) : part(relevant) {
        const std::size_t n = part.node_count(), m = part.arc_count(), events = part.events.size();
        auto csr = [&](const std::vector<std::int32_t>& key, std::size_t rows, std::vector<std::int64_t>& offsets,
                       std::vector<std::int64_t>& values) {
            offsets.assign(rows + 1, 0);
            for (std::size_t a = 0; a < m; ++a) ++offsets[key[a] + 1];
            for (std::size_t r = 0; r < rows; ++r) offsets[r + 1] += offsets[r];
            values.resize(m);
            std::vector<std::int64_t> fill(offsets.begin(), offsets.end() - 1);
            for (std::size_t a = 0; a < m; ++a) values[fill[key[a]]++] = static_cast<std::int64_t>(a);
        };
        csr(part.source, n, out_offsets, out_arcs);
        csr(part.target, n, in_offsets, in_arcs);
        event_arc_offsets.assign(events + 1, 0);
        for (std::size_t a = 0; a < m; ++a)
            for (auto it = part.events_begin(a); it != part.events_end(a); ++it) ++event_arc_offsets[*it + 1];
        for (std::size_t e = 0; e < events; ++e) event_arc_offsets[e + 1] += event_arc_offsets[e];
        event_arcs.resize(static_cast<std::size_t>(event_arc_offsets[events]));
        std::vector<std::int64_t> fill(event_arc_offsets.begin(), event_arc_offsets.end() - 1);
        for (std::size_t a = 0; a < m; ++a)
            for (auto it = part.events_begin(a); it != part.events_end(a); ++it)
                event_arcs[fill[*it]++] = static_cast<std::int64_t>(a);
        std::int64_t rows = 0;
        for (std::size_t a = 0; a < m; ++a) {
            const ArcIndex arc = part.arcs[a];
            arc_stream.push_back(monte_carlo::arc_stream_key(seed, graph.arc_key(arc)));
            arc_p.push_back(BernoulliP::of(graph.arc_p(arc)));
            coin_row.push_back(explain::random_probability(graph.arc_p(arc)) ? rows++ : -1);
        }
        for (std::int32_t e : part.events) {
            event_stream.push_back(monte_carlo::event_stream_key(seed, graph.event_key(e)));
            event_p.push_back(BernoulliP::of(graph.event_p(e)));
            event_row.push_back(rows++);
        }
        for (std::size_t v = 0; v < n; ++v)
            if (part.holds[v]) holding.push_back(static_cast<std::int32_t>(v));
    }

    std::size_t rows() const {
        std::size_t r = event_row.size();
        for (auto k : coin_row) r += k >= 0;
        return r;
    }
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

inline std::uint64_t popcount(const Mask& m) {
    std::uint64_t n = 0;
    for (int w = 0; w < W; ++w) n += static_cast<std::uint64_t>(__builtin_popcountll(m[w]));
    return n;
}
inline bool any(const Mask& m) {
    std::uint64_t a = 0;
    for (int w = 0; w < W; ++w) a |= m[w];
    return a != 0;
}

// One worker's memory and the evaluation of one block.
class Worker {
public:
    Worker(const Layout& layout, const std::atomic<bool>& stop)
        : L_(layout),
          stop_(stop),
          counts_(layout.rows()),
          block_(layout.rows()),
          coin_(layout.part.arc_count()),
          live_(layout.part.arc_count()),
          event_(layout.part.events.size()),
          reached_(layout.part.node_count()),
          back_(layout.part.node_count()),
          extra_(layout.part.node_count()),
          pending_(layout.part.node_count()),
          queued_(layout.part.node_count(), 0),
          touched_flag_(layout.part.node_count(), 0),
          raised_index_(layout.part.arc_count(), -1) {
        std::int64_t most = 0;
        for (std::size_t e = 0; e < layout.part.events.size(); ++e)
            most = std::max(most, layout.event_arc_offsets[e + 1] - layout.event_arc_offsets[e]);
        raised_.resize(static_cast<std::size_t>(most));
    }

    const Counts& counts() const { return counts_; }

    // Evaluates one block and adds it to the counts; false (nothing added) if stopped.
    bool run_block(std::uint64_t block) {
        block_.clear();
        const std::uint64_t first_word = block * W;
        const std::size_t m = L_.part.arc_count(), events = L_.part.events.size();
        for (std::size_t e = 0; e < events; ++e)
            for (int w = 0; w < W; ++w)
                event_[e][w] = bernoulli_word(L_.event_p[e], stream_base(L_.event_stream[e], first_word + w));
        for (std::size_t a = 0; a < m; ++a) {
            for (int w = 0; w < W; ++w)
                coin_[a][w] = bernoulli_word(L_.arc_p[a], stream_base(L_.arc_stream[a], first_word + w));
            live_[a] = coin_[a];
            for (auto it = L_.part.events_begin(a); it != L_.part.events_end(a); ++it)
                for (int w = 0; w < W; ++w) live_[a][w] &= event_[*it][w];
        }
        if (!forward()) return false;
        Mask exposed{};
        for (std::int32_t s : L_.holding)
            for (int w = 0; w < W; ++w) exposed[w] |= reached_[s][w];
        Mask safe;
        for (int w = 0; w < W; ++w) safe[w] = ~exposed[w];
        if (!backward(safe)) return false;

        block_.exposed += popcount(exposed);
        block_.worlds += 64 * W;
        for (std::size_t a = 0; a < m; ++a) {
            const std::int64_t row = L_.coin_row[a];
            if (row < 0) continue;
            Mask critical, down_exposed;
            const Mask& from = reached_[L_.part.source[a]];
            const Mask& to = back_[L_.part.target[a]];
            for (int w = 0; w < W; ++w) {
                critical[w] = from[w] & to[w];
                down_exposed[w] = exposed[w] & ~coin_[a][w];
            }
            for (auto it = L_.part.events_begin(a); it != L_.part.events_end(a); ++it)
                for (int w = 0; w < W; ++w) critical[w] &= event_[*it][w];
            Mask down;
            for (int w = 0; w < W; ++w) down[w] = ~coin_[a][w];
            block_.down[row] += popcount(down);
            block_.critical[row] += popcount(critical);
            block_.exposed_down[row] += popcount(down_exposed);
        }
        for (std::size_t e = 0; e < events; ++e) {
            const std::int64_t row = L_.event_row[e];
            Mask down, lanes, down_exposed;
            for (int w = 0; w < W; ++w) {
                down[w] = ~event_[e][w];
                lanes[w] = down[w] & safe[w];
                down_exposed[w] = down[w] & exposed[w];
            }
            block_.down[row] += popcount(down);
            block_.exposed_down[row] += popcount(down_exposed);
            if (!any(lanes)) continue;
            Mask critical;
            if (!raise_event(static_cast<std::int32_t>(e), lanes, critical)) return false;
            block_.critical[row] += popcount(critical);
        }
        counts_.add(block_);
        return true;
    }

private:
    void enqueue(std::int32_t v) {
        if (!queued_[v]) {
            queued_[v] = 1;
            queue_.push_back(v);
        }
    }

    // Drains the queue: pushes each node's pending worlds along its out-arcs (forward) or
    // in-arcs (backward) into `into`, over the mask given by live(a) for local arc a.
    template <class Live>
    bool drain(std::vector<Mask>& into, bool forward_direction, const Mask* blocked, Live&& live) {
        std::uint32_t pops = 0;
        for (std::size_t head = 0; head < queue_.size(); ++head) {
            const std::int32_t v = queue_[head];
            queued_[v] = 0;
            if ((++pops & 0x3FF) == 0 && stop_.load(std::memory_order_relaxed)) return false;
            const Mask delta = pending_[v];
            pending_[v] = Mask{};
            const auto& offsets = forward_direction ? L_.out_offsets : L_.in_offsets;
            const auto& arcs = forward_direction ? L_.out_arcs : L_.in_arcs;
            for (std::int64_t i = offsets[v]; i < offsets[v + 1]; ++i) {
                const auto a = static_cast<std::size_t>(arcs[i]);
                const std::int32_t t = forward_direction ? L_.part.target[a] : L_.part.source[a];
                Mask add;
                const Mask& lv = live(a);
                std::uint64_t some = 0;
                for (int w = 0; w < W; ++w) {
                    add[w] = delta[w] & lv[w] & ~into[t][w];
                    if (blocked) add[w] &= ~blocked[t][w];
                    some |= add[w];
                }
                if (!some) continue;
                touch(t);
                for (int w = 0; w < W; ++w) {
                    into[t][w] |= add[w];
                    pending_[t][w] |= add[w];
                }
                enqueue(t);
            }
        }
        queue_.clear();
        return true;
    }

    void touch(std::int32_t v) {
        if (tracking_ && !touched_flag_[v]) {
            touched_flag_[v] = 1;
            touched_.push_back(v);
        }
    }

    bool forward() {
        for (auto& r : reached_) r = Mask{};
        reached_[0].fill(~std::uint64_t{0});
        pending_[0] = reached_[0];
        enqueue(0);
        return drain(reached_, true, nullptr, [&](std::size_t a) -> const Mask& { return live_[a]; });
    }

    bool backward(const Mask& safe) {
        for (auto& b : back_) b = Mask{};
        for (std::int32_t s : L_.holding) {
            back_[s] = safe;
            pending_[s] = safe;
            enqueue(s);
        }
        return drain(back_, false, nullptr, [&](std::size_t a) -> const Mask& { return live_[a]; });
    }

    // The worlds among `lanes` (where the event is down and the class not reached) in which
    // raising the event reaches a holding store: worlds newly reached go into extra_, from
    // the arcs requiring the event, then onward over every arc (those requiring the event
    // with it raised).
    bool raise_event(std::int32_t e, const Mask& lanes, Mask& critical) {
        const std::int64_t first = L_.event_arc_offsets[e], last = L_.event_arc_offsets[e + 1];
        for (std::int64_t i = first; i < last; ++i) {
            const auto a = static_cast<std::size_t>(L_.event_arcs[i]);
            Mask& lv = raised_[static_cast<std::size_t>(i - first)];
            lv = coin_[a];
            for (auto it = L_.part.events_begin(a); it != L_.part.events_end(a); ++it)
                if (*it != e)
                    for (int w = 0; w < W; ++w) lv[w] &= event_[*it][w];
            raised_index_[a] = i - first;
        }
        tracking_ = true;
        for (std::int64_t i = first; i < last; ++i) {
            const auto a = static_cast<std::size_t>(L_.event_arcs[i]);
            const std::int32_t u = L_.part.source[a], v = L_.part.target[a];
            const Mask& lv = raised_[static_cast<std::size_t>(i - first)];
            Mask add;
            std::uint64_t some = 0;
            for (int w = 0; w < W; ++w) {
                add[w] = reached_[u][w] & lanes[w] & lv[w] & ~reached_[v][w] & ~extra_[v][w];
                some |= add[w];
            }
            if (!some) continue;
            touch(v);
            for (int w = 0; w < W; ++w) {
                extra_[v][w] |= add[w];
                pending_[v][w] |= add[w];
            }
            enqueue(v);
        }
        const bool finished = drain(extra_, true, reached_.data(), [&](std::size_t a) -> const Mask& {
            const std::int64_t k = raised_index_[a];
            return k >= 0 ? raised_[static_cast<std::size_t>(k)] : live_[a];
        });
        critical = Mask{};
        for (std::int32_t s : L_.holding)
            for (int w = 0; w < W; ++w) critical[w] |= extra_[s][w];
        for (std::int32_t v : touched_) {
            extra_[v] = Mask{};
            pending_[v] = Mask{};
            queued_[v] = 0;
            touched_flag_[v] = 0;
        }
        touched_.clear();
        queue_.clear();
        tracking_ = false;
        for (std::int64_t i = first; i < last; ++i) raised_index_[static_cast<std::size_t>(L_.event_arcs[i])] = -1;
        return finished;
    }

    const Layout& L_;
    const std::atomic<bool>& stop_;
    Counts counts_, block_;
    std::vector<Mask> coin_, live_, event_;
    std::vector<Mask> reached_, back_, extra_, pending_;
    std::vector<std::uint8_t> queued_;
    std::vector<std::int32_t> queue_;
    // Incremental propagation of a raised event: the nodes it touched (to clear), and the
    // live masks of the arcs requiring it with it raised (raised_index_: arc -> slot, or -1).
    bool tracking_ = false;
    std::vector<std::uint8_t> touched_flag_;
    std::vector<std::int32_t> touched_;
    std::vector<std::int64_t> raised_index_;
    std::vector<Mask> raised_;
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
    const Layout layout(graph, part, options.seed);
    const std::size_t rows = layout.rows();
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
    auto fill = [&](const Counts& c) {
        out.p.clear();
        out.arc.clear();
        out.event.clear();
        out.importance.assign(rows, 0.0);
        out.importance_low.assign(rows, 0.0);
        out.importance_high.assign(rows, 0.0);
        out.removed.assign(rows, 0.0);
        out.removed_low.assign(rows, 0.0);
        out.removed_high.assign(rows, 0.0);
        out.max_half_width = 0.0;
        for (std::size_t a = 0; a < part.arc_count(); ++a)
            if (layout.coin_row[a] >= 0) {
                out.arc.push_back(part.arcs[a]);
                out.event.push_back(-1);
                out.p.push_back(graph.arc_p(part.arcs[a]));
            }
        for (std::int32_t e : part.events) {
            out.arc.push_back(-1);
            out.event.push_back(e);
            out.p.push_back(graph.event_p(e));
        }
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
            if (!workers[t]) workers[t] = std::make_unique<Worker>(layout, stop);
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
