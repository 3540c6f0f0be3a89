// The frontier method on a pass of links alone (see links.hpp). A state's key is its labels
// (words 0-1: slot s at bits 4s to 4s + 3, the count of unreached components in bits 56-63)
// and, in the search for targets, a word of the labels whose component holds a target
// (present, or met and left): such a component must join the adversary's before its last
// slot leaves.
#include "links.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>

#include "frontier.hpp"
#include "state.hpp"

namespace datareach::frontier {
namespace {

constexpr int kReachedLabel = 1;  // the adversary's component; 0 is a free slot
constexpr int kCountShift = 56;   // above the labels of kMaxLinkSlots slots

// The component label of each node slot. Labels are canonical between steps: the unreached
// components are 2 .. count + 1 in the order of their lowest slot, so the next component to
// enter is labelled count + 2.
struct Labels {
    std::uint64_t bits = 0;

    static Labels read(const std::uint32_t* key) { return {key[0] | std::uint64_t{key[1]} << 32}; }
    void write(std::uint32_t* key) const {
        key[0] = static_cast<std::uint32_t>(bits);
        key[1] = static_cast<std::uint32_t>(bits >> 32);
    }
    int at(int s) const { return static_cast<int>(bits >> (4 * s) & 15); }
    void set(int s, int label) { bits = (bits & ~(std::uint64_t{15} << (4 * s))) | std::uint64_t(label) << (4 * s); }
    int first_fresh() const { return static_cast<int>(bits >> kCountShift) + kReachedLabel + 1; }
    void rename(std::uint32_t slots, int from, int to) {
        for (; slots; slots &= slots - 1) {
            const int s = __builtin_ctz(slots);
            if (at(s) == from) set(s, to);
        }
    }
};

// The step's nodes enter: the adversary into the reached component, every other node as a
// component of its own, labelled from the first fresh label in the order of step.enter. A
// target's component is marked in `need` when `need` is given. Returns the label after the
// last one given (the highest label in use is one less).
int enter(Labels& labels, const Step& step, std::uint32_t* need) {
    int fresh = labels.first_fresh();
    for (const auto& [slot, sets] : step.enter) {
        if (step.enter_reached >> slot & 1) {
            labels.set(slot, kReachedLabel);
            continue;
        }
        if (need && sets) *need |= std::uint32_t{1} << fresh;
        labels.set(slot, fresh++);
    }
    return fresh;
}

// The link between slots x and y is live: their components become one, the reached one when
// either is, and the joined one takes the other's mark in `need` (dropped when reached).
// Returns (from, to): every slot labelled `from` is now labelled `to` ((0, 0) when x and y
// were one component already).
std::pair<int, int> join(Labels& labels, std::uint32_t slots, std::uint32_t& need, int x, int y) {
    int a = labels.at(x), b = labels.at(y);
    if (a == b) return {0, 0};
    if (b == kReachedLabel) std::swap(a, b);
    if (a != kReachedLabel && (need >> b & 1)) need |= std::uint32_t{1} << a;
    need &= ~(std::uint32_t{1} << b);
    labels.rename(slots, b, a);
    return {b, a};
}

// The end of a step for one outcome's labels.
struct Settled {
    std::uint64_t map;  // old label -> new, 4 bits per old label (0: no slot holds it)
    bool reached;       // a slot is still in the adversary's component
    bool target_lost;   // a component marked in `need` has no slot any more
};

// Frees the slots that leave after the step and renumbers the unreached components of the
// others canonically, carrying `need` along.
Settled settle(Labels& labels, const Step& step, std::uint32_t& need) {
    std::uint32_t leaving = 0;  // the labels of the slots that leave
    for (std::uint32_t rest = step.leave_nodes; rest; rest &= rest - 1) {
        const int s = __builtin_ctz(rest);
        leaving |= std::uint32_t{1} << labels.at(s);
        labels.set(s, 0);
    }
    Settled out{0, false, false};
    std::uint32_t present = 0, renumbered = 0;
    int next = kReachedLabel + 1;
    for (std::uint32_t rest = step.occupied & ~step.leave_nodes; rest; rest &= rest - 1) {
        const int s = __builtin_ctz(rest), label = labels.at(s);
        present |= std::uint32_t{1} << label;
        if (label == kReachedLabel) {
            out.reached = true;
            continue;
        }
        int to = static_cast<int>(out.map >> (4 * label) & 15);
        if (!to) {
            to = next++;
            out.map |= std::uint64_t(to) << (4 * label);
            if (need >> label & 1) renumbered |= std::uint32_t{1} << to;
        }
        labels.set(s, to);
    }
    out.target_lost = (leaving & ~present & need) != 0;
    need = renumbered;
    labels.bits = (labels.bits & ((std::uint64_t{1} << kCountShift) - 1)) | std::uint64_t(next - kReachedLabel - 1)
                                                                                << kCountShift;
    return out;
}

}  // namespace

bool links_only(const std::vector<Step>& steps, int node_slots) {
    if (node_slots > kMaxLinkSlots) return false;
    // An arc from the adversary reaches as a link would: what it joins becomes reached.
    return std::all_of(steps.begin(), steps.end(), [](const Step& s) {
        return (s.both_ways || s.from_adversary) && s.branch.empty() && s.needs == 0;
    });
}

bool single_node_sets(const std::vector<Step>& steps, int set_count) {
    std::vector<int> holders(set_count, 0);
    for (const Step& step : steps)
        for (const auto& [slot, sets] : step.enter)
            for (std::uint32_t rest = sets; rest; rest &= rest - 1) ++holders[__builtin_ctz(rest)];
    return set_count > 0 && std::all_of(holders.begin(), holders.end(), [](int h) { return h == 1; });
}

long double search_links(const std::vector<Step>& steps, std::size_t memory_bytes, exact::Budget& budget) {
    constexpr int kWords = 3;  // labels, then the labels that need the adversary
    StateTable current(kWords), next(kWords);
    const std::size_t max_states = std::max<std::size_t>(1024, memory_bytes / (2 * current.bytes_per_state()));
    const std::uint32_t start[kWords] = {};
    current.add(start, 1.0L);
    std::uint32_t key[kWords];
    long double done = 0.0L;
    ++budget.frontier_link_passes;
    for (const Step& step : steps) {
        next.clear();
        // One outcome: counted when every target is reached, dropped when one can no longer
        // be, else kept in canonical labels.
        auto finish = [&](Labels labels, std::uint32_t need, long double weight) {
            const Settled settled = settle(labels, step, need);
            if (settled.target_lost) return;  // a target's component left unreached
            if (step.sets_to_come == 0 && need == 0) {
                done += weight;
                return;
            }
            if (step.adversary_met && !settled.reached) return;
            labels.write(key);
            key[2] = need;
            next.add(key, weight);
        };
        for (std::size_t s = 0; s < current.size(); ++s) {
            poll(budget);
            Labels base = Labels::read(current.key(s));
            std::uint32_t need = current.key(s)[2];
            enter(base, step, &need);
            const long double w = current.weight(s), live = w * step.own;
            if (live > 0.0L) {
                Labels joined = base;
                std::uint32_t joined_need = need;
                join(joined, step.occupied, joined_need, step.source_slot, step.target_slot);
                finish(joined, joined_need, live);
            }
            if (w - live > 0.0L) finish(base, need, w - live);
        }
        std::swap(current, next);
        budget.frontier_peak_states = std::max<std::uint64_t>(budget.frontier_peak_states, current.size());
        if (current.size() > max_states) throw FrontierTooLarge(max_states);
        if (current.size() == 0) break;
    }
    return done;
}

bool link_marginals(const std::vector<Step>& steps, const std::vector<int>& result_of, std::size_t memory_bytes,
                    exact::Budget& budget, std::vector<long double>& out, long double* every_reached) {
    // One outcome of a state's step: the state it leads to (-1: nothing more can be reached),
    // its probability given the state, and what becomes of a pending node's label: `from`
    // joined into `to` (the reached label when the link reached it), then renumbered by `map`.
    struct Outcome {
        int next;
        long double weight;
        std::uint64_t map;
        std::uint8_t from, to;
    };
    // A node entering at a level: its label there in state `state`, whose probability is
    // `weight`.
    struct Request {
        std::uint32_t state;
        std::uint8_t label;
        int result;
        long double weight;
    };
    struct Level {
        std::vector<std::uint32_t> first;  // each state's first outcome (and the end)
        std::vector<Outcome> outcomes;
        std::vector<std::uint8_t> top;  // each state's highest label once the step's nodes entered
        std::vector<Request> requests;
    };
    const int m = static_cast<int>(steps.size());
    ++budget.frontier_link_passes;
    // When every node but the adversary is a target, every unreached component holds one, so
    // the marks of search_links are every unreached label, and the sweep counts P(every node
    // reached) along: `alive` is the part of a state's probability in which no component has
    // left unreached.
    bool all_targets = every_reached != nullptr;
    int last_entry = -1;  // the last step at which a node other than the adversary enters
    for (int l = 0; l < m; ++l)
        for (std::size_t e = 0; e < steps[l].enter.size(); ++e)
            if (!(steps[l].enter_reached >> steps[l].enter[e].first & 1)) {
                all_targets = all_targets && result_of[steps[l].enter_node[e]] >= 0;
                last_entry = l;
            }
    std::vector<long double> alive{1.0L}, alive_next;
    long double all_reached = 0.0L;
    std::vector<Level> levels(m);
    StateTable current(2), next(2);
    const std::uint32_t start[2] = {};
    current.add(start, 1.0L);
    std::uint32_t key[2];
    std::size_t held = 0;
    // Forward: the states of reach alone and each one's outcomes.
    for (int l = 0; l < m; ++l) {
        const Step& step = steps[l];
        Level& level = levels[l];
        next.clear();
        alive_next.clear();
        level.first.reserve(current.size() + 1);
        level.outcomes.reserve(2 * current.size());
        level.top.reserve(current.size());
        for (std::size_t s = 0; s < current.size(); ++s) {
            poll(budget);
            level.first.push_back(static_cast<std::uint32_t>(level.outcomes.size()));
            Labels base = Labels::read(current.key(s));
            const int fresh = enter(base, step, nullptr);
            level.top.push_back(static_cast<std::uint8_t>(fresh - 1));
            for (std::size_t e = 0; e < step.enter.size(); ++e) {
                const int result = result_of[step.enter_node[e]];  // never the adversary's (reached)
                if (result >= 0)
                    level.requests.push_back({static_cast<std::uint32_t>(s),
                                              static_cast<std::uint8_t>(base.at(step.enter[e].first)), result,
                                              current.weight(s)});
            }
            const long double w = current.weight(s), a = all_targets ? alive[s] : 0.0L;
            const std::uint32_t unreached = all_targets ? ((std::uint32_t{1} << fresh) - 1) & ~0b11u : 0u;
            auto finish = [&](Labels labels, std::uint32_t need, std::pair<int, int> joined, long double weight) {
                const Settled settled = settle(labels, step, need);
                Outcome outcome{-1, weight, settled.map, static_cast<std::uint8_t>(joined.first),
                                static_cast<std::uint8_t>(joined.second)};
                if (settled.reached || !step.adversary_met) {
                    labels.write(key);
                    outcome.next = static_cast<int>(next.add(key, w * weight));
                }
                level.outcomes.push_back(outcome);
                if (a == 0.0L || settled.target_lost) return;
                if (l >= last_entry && need == 0) {
                    all_reached += a * weight;  // every node has entered and none is unreached
                } else if (outcome.next >= 0) {
                    if (static_cast<std::size_t>(outcome.next) >= alive_next.size()) alive_next.resize(next.size());
                    alive_next[outcome.next] += a * weight;
                }
            };
            if (step.own > 0.0L) {
                Labels joined = base;
                std::uint32_t need = unreached;
                const auto renamed = join(joined, step.occupied, need, step.source_slot, step.target_slot);
                finish(joined, need, renamed, step.own);
            }
            if (step.own < 1.0L) finish(base, unreached, {0, 0}, 1.0L - step.own);
        }
        level.first.push_back(static_cast<std::uint32_t>(level.outcomes.size()));
        held += level.first.size() * sizeof(std::uint32_t) + level.outcomes.size() * sizeof(Outcome) +
                level.top.size() + level.requests.size() * sizeof(Request);
        // The values of the backward sweep need 16 per state of a level.
        if (held + (current.size() + next.size()) * (current.bytes_per_state() + 16 * sizeof(long double)) >
            memory_bytes)
            return false;
        std::swap(current, next);
        alive_next.resize(current.size());
        std::swap(alive, alive_next);
        budget.frontier_peak_states = std::max<std::uint64_t>(budget.frontier_peak_states, current.size());
    }
    if (every_reached) *every_reached = all_targets ? all_reached : -1.0L;
    // Backward: value[s][L], the probability that a pending node labelled L in state s of
    // the level (its labels once the step's nodes entered) is reached from there.
    // Only the labels up to a state's top are written and read: no fill.
    std::unique_ptr<long double[]> after, values;  // of the level after, of this one
    for (int l = m - 1; l >= 0; --l) {
        Level& level = levels[l];
        const std::size_t count = level.top.size();
        values.reset(new long double[16 * count]);
        for (std::size_t s = 0; s < count; ++s)
            for (int label = kReachedLabel + 1; label <= level.top[s]; ++label) {
                long double value = 0.0L;
                for (std::uint32_t o = level.first[s]; o < level.first[s + 1]; ++o) {
                    const Outcome& outcome = level.outcomes[o];
                    const int joined = label == outcome.from ? outcome.to : label;
                    if (joined == kReachedLabel) {
                        value += outcome.weight;
                    } else if (outcome.next >= 0 && l + 1 < m) {
                        const auto renumbered = static_cast<int>(outcome.map >> (4 * joined) & 15);
                        if (renumbered)
                            value += outcome.weight * after[16 * static_cast<std::size_t>(outcome.next) + renumbered];
                    }
                }
                values[16 * s + label] = value;
            }
        for (const Request& r : level.requests) out[r.result] += r.weight * values[16 * r.state + r.label];
        std::swap(after, values);
        level = {};
    }
    return true;
}

}  // namespace datareach::frontier
