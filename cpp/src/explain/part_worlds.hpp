// Random worlds on the relevant part of the graph (relevant_part.hpp), 512 at a time, for the
// Monte Carlo explanations (importance, exposure with arcs removed). Coins and events come
// from the exposure engine's counter-based streams keyed by (seed, arc or event key, world),
// so a block here is the same 512 worlds as the block of monte_carlo_exposure with the same
// seed. A PartWorlds is one worker's memory; PartLayout is shared read-only by all workers.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/random_streams.hpp"
#include "relevant_part.hpp"

namespace datareach::explain {

inline constexpr int kPartWords = 8;  // words of 64 worlds per block: the exposure engine's quantum
using Mask = std::array<std::uint64_t, kPartWords>;

inline std::uint64_t popcount(const Mask& m) {
    std::uint64_t n = 0;
    for (auto word : m) n += static_cast<std::uint64_t>(__builtin_popcountll(word));
    return n;
}

// The relevant part in the layout the propagations read: CSR both ways over local arcs,
// each event's arcs, the random streams.
struct PartLayout {
    const RelevantPart& part;
    std::vector<std::int64_t> out_offsets, out_arcs, in_offsets, in_arcs;
    std::vector<std::int64_t> event_arc_offsets, event_arcs;  // per local event: the arcs requiring it
    std::vector<std::uint64_t> arc_stream, event_stream;
    std::vector<monte_carlo::BernoulliP> arc_p, event_p;
    std::vector<std::int32_t> holding;  // local holding stores

    PartLayout(const CompiledGraph& graph, const RelevantPart& relevant, std::uint64_t seed) : part(relevant) {
        const std::size_t n = part.node_count(), m = part.arc_count(), events = part.events.size();
        auto csr = [m](const std::vector<std::int32_t>& key, std::size_t rows, std::vector<std::int64_t>& offsets,
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
        for (ArcIndex arc : part.arcs) {
            arc_stream.push_back(monte_carlo::arc_stream_key(seed, graph.arc_key(arc)));
            arc_p.push_back(monte_carlo::BernoulliP::of(graph.arc_p(arc)));
        }
        for (std::int32_t e : part.events) {
            event_stream.push_back(monte_carlo::event_stream_key(seed, graph.event_key(e)));
            event_p.push_back(monte_carlo::BernoulliP::of(graph.event_p(e)));
        }
        for (std::size_t v = 0; v < n; ++v)
            if (part.holds[v]) holding.push_back(static_cast<std::int32_t>(v));
    }

    std::size_t most_event_arcs() const {
        std::int64_t most = 0;
        for (std::size_t e = 0; e + 1 < event_arc_offsets.size(); ++e)
            most = std::max(most, event_arc_offsets[e + 1] - event_arc_offsets[e]);
        return static_cast<std::size_t>(most);
    }
};

// One worker's worlds of one block: draw() fills the coins, events and live masks; the
// propagations read them. Every propagation polls `stop` and returns false when it is set.
class PartWorlds {
public:
    PartWorlds(const PartLayout& layout, const std::atomic<bool>& stop)
        : L(layout),
          coin(layout.part.arc_count()),
          live(layout.part.arc_count()),
          event(layout.part.events.size()),
          reached(layout.part.node_count()),
          back(layout.part.node_count()),
          stop_(stop),
          extra_(layout.part.node_count()),
          pending_(layout.part.node_count()),
          queued_(layout.part.node_count(), 0),
          touched_flag_(layout.part.node_count(), 0),
          override_index_(layout.part.arc_count(), -1),
          overrides_(std::max<std::size_t>(layout.most_event_arcs(), 1)) {}

    const PartLayout& L;
    std::vector<Mask> coin, live, event;  // per local arc, arc, event
    std::vector<Mask> reached, back;      // per local node: forward() and backward() results
    Mask exposed{};                       // worlds in which a holding store is reached

    // The coins and events of block `block` (worlds 512 * block ..), and every arc's live mask.
    void draw(std::uint64_t block) {
        const std::uint64_t first_word = block * kPartWords;
        for (std::size_t e = 0; e < L.part.events.size(); ++e)
            for (int w = 0; w < kPartWords; ++w)
                event[e][w] = monte_carlo::bernoulli_word(L.event_p[e],
                                                          monte_carlo::stream_base(L.event_stream[e], first_word + w));
        for (std::size_t a = 0; a < L.part.arc_count(); ++a) {
            for (int w = 0; w < kPartWords; ++w)
                coin[a][w] =
                    monte_carlo::bernoulli_word(L.arc_p[a], monte_carlo::stream_base(L.arc_stream[a], first_word + w));
            live[a] = coin[a];
            for (auto it = L.part.events_begin(a); it != L.part.events_end(a); ++it)
                for (int w = 0; w < kPartWords; ++w) live[a][w] &= event[*it][w];
        }
    }

    // reached: the worlds in which each node is reached from the adversary; and `exposed`.
    bool forward() {
        std::fill(reached.begin(), reached.end(), Mask{});
        reached[0].fill(~std::uint64_t{0});
        pending_[0] = reached[0];
        enqueue(0);
        if (!drain(reached, true, nullptr, [this](std::size_t a) -> const Mask& { return live[a]; })) return false;
        exposed = Mask{};
        for (std::int32_t s : L.holding)
            for (int w = 0; w < kPartWords; ++w) exposed[w] |= reached[s][w];
        return true;
    }

    // back: among the worlds in `lanes`, those in which each node reaches a holding store.
    bool backward(const Mask& lanes) {
        std::fill(back.begin(), back.end(), Mask{});
        for (std::int32_t s : L.holding) {
            back[s] = lanes;
            pending_[s] = lanes;
            enqueue(s);
        }
        return drain(back, false, nullptr, [this](std::size_t a) -> const Mask& { return live[a]; });
    }

    // Among `lanes` (worlds where event e is down and no holding store is reached), the
    // worlds in which raising e reaches one: from the reach found by forward(), along the
    // arcs requiring e (live where their coin and other events are up), then onward.
    bool raise_event(std::int32_t e, const Mask& lanes, Mask& reaches) {
        const std::int64_t first = L.event_arc_offsets[e], last = L.event_arc_offsets[e + 1];
        for (std::int64_t i = first; i < last; ++i) {
            const auto a = static_cast<std::size_t>(L.event_arcs[i]);
            Mask& raised = overrides_[static_cast<std::size_t>(i - first)];
            raised = coin[a];
            for (auto it = L.part.events_begin(a); it != L.part.events_end(a); ++it)
                if (*it != e)
                    for (int w = 0; w < kPartWords; ++w) raised[w] &= event[*it][w];
            override_index_[a] = i - first;
        }
        tracking_ = true;
        for (std::int64_t i = first; i < last; ++i) {
            const auto a = static_cast<std::size_t>(L.event_arcs[i]);
            const std::int32_t u = L.part.source[a], v = L.part.target[a];
            const Mask& raised = overrides_[static_cast<std::size_t>(i - first)];
            Mask add;
            for (int w = 0; w < kPartWords; ++w)
                add[w] = reached[u][w] & lanes[w] & raised[w] & ~reached[v][w] & ~extra_[v][w];
            seed(v, add);
        }
        const bool finished = drain(extra_, true, reached.data(), [this](std::size_t a) -> const Mask& {
            const std::int64_t k = override_index_[a];
            return k >= 0 ? overrides_[static_cast<std::size_t>(k)] : live[a];
        });
        reaches = holding_reached(extra_);
        for (std::int64_t i = first; i < last; ++i) override_index_[static_cast<std::size_t>(L.event_arcs[i])] = -1;
        forget();
        return finished;
    }

    // Among `lanes`, the worlds in which a holding store is still reached with the given
    // local arcs removed: a fresh propagation from the adversary over the other live arcs.
    bool reach_without(const std::vector<std::int64_t>& removed, const Mask& lanes, Mask& reaches) {
        for (std::size_t k = 0; k < removed.size(); ++k) override_index_[static_cast<std::size_t>(removed[k])] = 0;
        overrides_[0] = Mask{};
        tracking_ = true;
        seed(0, lanes);
        const bool finished = drain(extra_, true, nullptr, [this](std::size_t a) -> const Mask& {
            return override_index_[a] >= 0 ? overrides_[0] : live[a];
        });
        reaches = holding_reached(extra_);
        for (std::int64_t a : removed) override_index_[static_cast<std::size_t>(a)] = -1;
        forget();
        return finished;
    }

private:
    void enqueue(std::int32_t v) {
        if (!queued_[v]) {
            queued_[v] = 1;
            queue_.push_back(v);
        }
    }

    void touch(std::int32_t v) {
        if (tracking_ && !touched_flag_[v]) {
            touched_flag_[v] = 1;
            touched_.push_back(v);
        }
    }

    // Adds worlds `add` to node v of the scratch reach (extra_) and queues it.
    void seed(std::int32_t v, const Mask& add) {
        std::uint64_t some = 0;
        for (auto word : add) some |= word;
        if (!some) return;
        touch(v);
        for (int w = 0; w < kPartWords; ++w) {
            extra_[v][w] |= add[w];
            pending_[v][w] |= add[w];
        }
        enqueue(v);
    }

    Mask holding_reached(const std::vector<Mask>& into) const {
        Mask out{};
        for (std::int32_t s : L.holding)
            for (int w = 0; w < kPartWords; ++w) out[w] |= into[s][w];
        return out;
    }

    // Clears the scratch reach of every node the last tracked propagation touched.
    void forget() {
        for (std::int32_t v : touched_) {
            extra_[v] = Mask{};
            pending_[v] = Mask{};
            queued_[v] = 0;
            touched_flag_[v] = 0;
        }
        touched_.clear();
        queue_.clear();
        tracking_ = false;
    }

    // Drains the queue: pushes each node's pending worlds along its out-arcs (forward) or
    // in-arcs (backward) into `into`, over live_of(a) for local arc a, never into worlds
    // `blocked` has for the target.
    template <class LiveOf>
    bool drain(std::vector<Mask>& into, bool forward_direction, const Mask* blocked, LiveOf&& live_of) {
        std::uint32_t pops = 0;
        const auto& offsets = forward_direction ? L.out_offsets : L.in_offsets;
        const auto& arcs = forward_direction ? L.out_arcs : L.in_arcs;
        const auto& far_end = forward_direction ? L.part.target : L.part.source;
        bool finished = true;
        for (std::size_t head = 0; head < queue_.size(); ++head) {
            const std::int32_t v = queue_[head];
            queued_[v] = 0;
            if ((++pops & 0x3FF) == 0 && stop_.load(std::memory_order_relaxed)) {
                finished = false;
                break;
            }
            const Mask delta = pending_[v];
            pending_[v] = Mask{};
            for (std::int64_t i = offsets[v]; i < offsets[v + 1]; ++i) {
                const auto a = static_cast<std::size_t>(arcs[i]);
                const std::int32_t t = far_end[a];
                const Mask& lv = live_of(a);
                Mask add;
                std::uint64_t some = 0;
                for (int w = 0; w < kPartWords; ++w) {
                    add[w] = delta[w] & lv[w] & ~into[t][w];
                    if (blocked) add[w] &= ~blocked[t][w];
                    some |= add[w];
                }
                if (!some) continue;
                touch(t);
                for (int w = 0; w < kPartWords; ++w) {
                    into[t][w] |= add[w];
                    pending_[t][w] |= add[w];
                }
                enqueue(t);
            }
        }
        if (!finished)  // leave no pending worlds behind for the next block
            for (std::int32_t v : queue_) {
                pending_[v] = Mask{};
                queued_[v] = 0;
            }
        queue_.clear();
        return finished;
    }

    const std::atomic<bool>& stop_;
    std::vector<Mask> extra_, pending_;  // the scratch reach of raise_event / reach_without
    std::vector<std::uint8_t> queued_;
    std::vector<std::int32_t> queue_;
    bool tracking_ = false;  // record the nodes a propagation touches, to forget them after
    std::vector<std::uint8_t> touched_flag_;
    std::vector<std::int32_t> touched_;
    // Arcs whose live mask a propagation replaces (raised events, removed arcs): the slot
    // in overrides_ of each, or -1.
    std::vector<std::int64_t> override_index_;
    std::vector<Mask> overrides_;
};

}  // namespace datareach::explain
