#include "datareach/monte_carlo.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <numeric>
#include <string>
#include <thread>
#include <utility>

#include "datareach/errors.hpp"
#include "monte_carlo_engine.hpp"

namespace datareach {
namespace monte_carlo {

BernoulliP BernoulliP::of(double p) {
    BernoulliP out;
    if (!(p > 0.0)) return out;  // 0 (and NaN, which validation rules out) never fires
    out.zero = false;
    if (p >= 1.0) {
        out.one = true;
        return out;
    }
    int exponent = 0;
    const double fraction = std::frexp(p, &exponent);  // p = fraction * 2^exponent, fraction in [0.5, 1)
    out.zero_bits = -exponent;                         // exponent <= 0 since p < 1
    out.mantissa = static_cast<std::uint64_t>(std::ldexp(fraction, 64));  // exact: 53 significant bits
    return out;
}

std::uint64_t arc_stream_key(std::uint64_t seed, std::uint64_t arc_key) {
    return mix_keys(mix_keys(seed, 0x6172632D636F696Eull /* "arc-coin" */), arc_key);
}

std::uint64_t event_stream_key(std::uint64_t seed, std::uint64_t event_key) {
    return mix_keys(mix_keys(seed, 0x6576656E742D7570ull /* "event-up" */), event_key);
}

std::uint64_t bernoulli_word(const BernoulliP& p, std::uint64_t base, unsigned* words_used) {
    if (p.zero || p.one) {
        if (words_used) *words_used = 0;
        return p.one ? ~std::uint64_t{0} : 0;
    }
    std::uint64_t counter = base;
    std::uint64_t undecided = ~std::uint64_t{0};
    std::uint64_t result = 0;
    unsigned used = 0;
    // Leading zero bits of p: a lane whose bit is 1 has U > p.
    for (std::int32_t k = 0; k < p.zero_bits; ++k) {
        counter += kGolden;
        ++used;
        undecided &= ~mix64(counter);
        if (!undecided) break;
    }
    if (undecided) {
        for (std::uint64_t m = p.mantissa; m != 0; m <<= 1) {
            counter += kGolden;
            ++used;
            const std::uint64_t r = mix64(counter);
            if (m >> 63) {  // p's bit 1: lanes with bit 0 have U < p (up)
                result |= undecided & ~r;
                undecided &= r;
            } else {  // p's bit 0: lanes with bit 1 have U > p (down)
                undecided &= ~r;
            }
            if (!undecided) break;
        }
    }
    // Lanes still undecided match p on all its bits, so U >= p: down.
    if (words_used) *words_used = used;
    return result;
}

double normal_quantile(double q) {
    if (!(q > 0.0 && q < 1.0)) throw ModelError("confidence: must lie in (0, 1)");
    // Acklam's rational approximation, then one Halley step against erfc.
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                               1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                               6.680131188771972e+01, -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                               -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                               3.754408661907416e+00};
    const double low = 0.02425;
    double x;
    if (q < low) {
        const double s = std::sqrt(-2.0 * std::log(q));
        x = (((((c[0] * s + c[1]) * s + c[2]) * s + c[3]) * s + c[4]) * s + c[5]) /
            ((((d[0] * s + d[1]) * s + d[2]) * s + d[3]) * s + 1.0);
    } else if (q <= 1.0 - low) {
        const double s = q - 0.5;
        const double r = s * s;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * s /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
    } else {
        const double s = std::sqrt(-2.0 * std::log1p(-q));
        x = -(((((c[0] * s + c[1]) * s + c[2]) * s + c[3]) * s + c[4]) * s + c[5]) /
            ((((d[0] * s + d[1]) * s + d[2]) * s + d[3]) * s + 1.0);
    }
    const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - q;
    const double u = e * 2.5066282746310002 /* sqrt(2 pi) */ * std::exp(x * x / 2.0);
    return x - u / (1.0 + x * u / 2.0);
}

void wilson_interval(std::uint64_t successes, std::uint64_t n, double z, double& low, double& high) {
    if (n == 0) {
        low = 0.0;
        high = 1.0;
        return;
    }
    const double total = static_cast<double>(n);
    const double p = static_cast<double>(successes) / total;
    const double z2 = z * z;
    const double denominator = 1.0 + z2 / total;
    const double center = (p + z2 / (2.0 * total)) / denominator;
    const double half = z / denominator * std::sqrt(std::max(0.0, p * (1.0 - p) / total + z2 / (4.0 * total * total)));
    low = successes == 0 ? 0.0 : std::clamp(center - half, 0.0, p);
    high = successes == n ? 1.0 : std::clamp(center + half, p, 1.0);
}

namespace detail {

// Fills class_known, class_top and place_known: per adversary and group, one search over the
// arcs that can be live and one over the arcs live in every world.
static void settle(Plan& plan, const CompiledGraph& g) {
    const std::size_t adversaries = plan.adversaries.size(), classes = g.class_count();
    const std::size_t places = plan.entry_count + plan.slot_count;
    plan.class_known.assign(adversaries * classes, 0);
    plan.class_top.assign(adversaries * classes, 0.0);
    plan.place_known.assign(adversaries * places, 0);
    const auto& presence = g.presence_stores();
    const auto& shares = g.presence_shares();
    std::vector<std::uint8_t> seen[2] = {std::vector<std::uint8_t>(plan.nodes, 0),
                                         std::vector<std::uint8_t>(plan.nodes, 0)};
    std::vector<NodeIndex> visited[2], stack;
    std::vector<double> top[2];  // per atomic class: largest share possibly / certainly reached
    std::vector<std::uint8_t> slot_seen[2];
    for (std::size_t i = 0; i < adversaries; ++i) {
        top[0].assign(classes, 0.0);
        top[1].assign(classes, 0.0);
        std::uint8_t* known_places = plan.place_known.data() + i * places;
        for (std::size_t group = 0; group < plan.group_rep.size(); ++group) {
            for (int certain = 0; certain < 2; ++certain) {
                auto& mark = seen[certain];
                const NodeIndex source = plan.rank[plan.adversaries[i]];
                mark[source] = 1;
                visited[certain].push_back(source);
                stack.assign(1, source);
                while (!stack.empty()) {
                    const NodeIndex v = stack.back();
                    stack.pop_back();
                    for (std::size_t k = plan.row_start[v]; k < plan.row_start[v + 1]; ++k) {
                        const std::uint32_t hot = plan.arc_hot[k];
                        const auto t = static_cast<NodeIndex>(hot & kTargetMask);
                        if (mark[t] || (hot & kDead) || (certain && (hot & kRandom))) continue;
                        if ((hot & kFiltered) && !admits_group(plan, g, k, group)) continue;
                        mark[t] = 1;
                        visited[certain].push_back(t);
                        stack.push_back(t);
                    }
                }
            }
            for (auto it = plan.group_atoms.begin(group); it != plan.group_atoms.end(group); ++it) {
                const ClassIndex d = *it;
                for (auto e = presence.offsets[d]; e < presence.offsets[d + 1]; ++e) {
                    const NodeIndex store = plan.entry_node[e];
                    for (int certain = 0; certain < 2; ++certain)
                        if (seen[certain][store]) top[certain][d] = std::max(top[certain][d], shares[e]);
                    if (plan.places) known_places[e] = seen[1][store] ? kAlways : seen[0][store] ? 0 : kNever;
                }
                if (!plan.places) continue;
                const auto slot0 = plan.region_slot_begin[d], slots = plan.region_slot_begin[d + 1] - slot0;
                for (int certain = 0; certain < 2; ++certain)
                    slot_seen[certain].assign(static_cast<std::size_t>(slots), 0);
                for (auto e = presence.offsets[d]; e < presence.offsets[d + 1]; ++e)
                    for (auto slot = plan.entry_slots.begin(e); slot != plan.entry_slots.end(e); ++slot)
                        for (int certain = 0; certain < 2; ++certain)
                            slot_seen[certain][*slot - slot0] |= seen[certain][plan.entry_node[e]];
                for (std::int64_t k = 0; k < slots; ++k)
                    known_places[plan.entry_count + slot0 + k] = slot_seen[1][k]   ? kAlways
                                                                 : slot_seen[0][k] ? 0
                                                                                   : kNever;
            }
            for (int certain = 0; certain < 2; ++certain) {
                for (NodeIndex v : visited[certain]) seen[certain][v] = 0;
                visited[certain].clear();
            }
        }
        const auto& atoms = g.class_atoms();
        for (std::size_t c = 0; c < classes; ++c) {
            bool never = atoms.size(c) == 0, always = true, fixed = true;
            double highest = atoms.size(c) ? std::numeric_limits<double>::infinity() : 0.0;
            for (auto it = atoms.begin(c); it != atoms.end(c); ++it) {
                never = never || top[0][*it] == 0.0;
                always = always && top[1][*it] > 0.0;
                fixed = fixed && top[0][*it] == top[1][*it];
                highest = std::min(highest, top[0][*it]);
            }
            std::uint8_t known = never ? kNever : always ? kAlways : 0;
            if (never || fixed) known |= kFixedShare;
            plan.class_known[i * classes + c] = known;
            plan.class_top[i * classes + c] = never ? 0.0 : highest;
        }
    }
}

Plan build_plan(const CompiledGraph& g, const std::vector<NodeIndex>& adversaries, const MonteCarloOptions& options) {
    Plan plan;
    plan.nodes = g.node_count();
    plan.adversaries = adversaries;
    plan.places = options.places;
    const std::size_t arc_count = g.arc_count();
    const auto classes = static_cast<ClassIndex>(g.class_count());

    // Events.
    plan.events.resize(g.event_count());
    for (std::size_t e = 0; e < g.event_count(); ++e)
        plan.events[e] = {event_stream_key(options.seed, g.event_key(static_cast<std::int32_t>(e))),
                          BernoulliP::of(g.event_p(static_cast<std::int32_t>(e)))};

    // Arcs.
    if (plan.nodes > kTargetMask) throw ModelError("nodes: the Monte Carlo engine handles at most 2^29 nodes");
    if (arc_count > std::numeric_limits<std::uint32_t>::max())
        throw ModelError("access: the Monte Carlo engine handles at most 2^32 arcs");
    std::vector<std::uint32_t> hot_by_arc(arc_count);
    std::vector<ArcCold> cold_by_arc(arc_count);
    const auto& requires_ = g.arc_requires();
    const auto& filters = g.arc_classes();
    for (std::size_t a = 0; a < arc_count; ++a) {
        ArcCold& info = cold_by_arc[a];
        const auto arc = static_cast<ArcIndex>(a);
        info.stream = arc_stream_key(options.seed, g.arc_key(arc));
        const BernoulliP p = BernoulliP::of(g.arc_p(arc));
        info.mantissa = p.mantissa;
        info.zero_bits = static_cast<std::int16_t>(p.zero_bits);
        info.has_coin = !p.one;
        bool dead = p.zero;
        info.events_begin = static_cast<std::uint32_t>(plan.arc_events.size());
        for (auto it = requires_.begin(a); it != requires_.end(a) && !dead; ++it) {
            const auto& ev = plan.events[*it].p;
            if (ev.zero)
                dead = true;
            else if (!ev.one && std::find(plan.arc_events.begin() + info.events_begin, plan.arc_events.end(), *it) ==
                                    plan.arc_events.end())
                plan.arc_events.push_back(*it);
        }
        if (dead) plan.arc_events.resize(info.events_begin);
        info.events_count = static_cast<std::uint32_t>(plan.arc_events.size() - info.events_begin);
        if (plan.arc_events.size() > std::numeric_limits<std::uint32_t>::max())
            throw ModelError("access: too many required events for the Monte Carlo engine");
        std::uint32_t hot = static_cast<std::uint32_t>(g.arc_target(arc));
        if (filters.size(a)) hot |= kFiltered;
        if (dead)
            hot |= kDead;
        else if (!p.one || info.events_count)
            hot |= kRandom;
        hot_by_arc[a] = hot;
    }

    // Internal numbering: reverse postorder of an iterative DFS over arcs that can be live,
    // from the adversaries first, then from every other node.
    {
        const std::size_t n = plan.nodes;
        std::vector<std::uint8_t> seen(n, 0);
        std::vector<NodeIndex> postorder;
        postorder.reserve(n);
        std::vector<std::pair<NodeIndex, ArcIndex>> stack;
        auto search = [&](NodeIndex root) {
            if (seen[root]) return;
            seen[root] = 1;
            stack.emplace_back(root, g.out_begin(root));
            while (!stack.empty()) {
                auto& [v, next] = stack.back();
                if (next < g.out_end(v)) {
                    const std::uint32_t hot = hot_by_arc[next++];
                    const auto t = static_cast<NodeIndex>(hot & kTargetMask);
                    if (!(hot & kDead) && !seen[t]) {
                        seen[t] = 1;
                        stack.emplace_back(t, g.out_begin(t));
                    }
                } else {
                    postorder.push_back(v);
                    stack.pop_back();
                }
            }
        };
        for (NodeIndex a : adversaries) search(a);
        for (std::size_t v = 0; v < n; ++v) search(static_cast<NodeIndex>(v));
        plan.rank.assign(n, 0);
        for (std::size_t i = 0; i < n; ++i) plan.rank[postorder[n - 1 - i]] = static_cast<NodeIndex>(i);
        plan.row_start.assign(n + 1, 0);
        plan.arc_hot.reserve(arc_count);
        plan.arc_cold.reserve(arc_count);
        plan.arc_original.reserve(arc_count);
        for (std::size_t i = 0; i < n; ++i) {
            const NodeIndex v = postorder[n - 1 - i];
            for (ArcIndex a = g.out_begin(v); a < g.out_end(v); ++a) {
                const std::uint32_t hot = hot_by_arc[a];
                plan.arc_hot.push_back((hot & ~kTargetMask) | static_cast<std::uint32_t>(plan.rank[hot & kTargetMask]));
                plan.arc_cold.push_back(cold_by_arc[a]);
                plan.arc_original.push_back(static_cast<std::uint32_t>(a));
            }
            plan.row_start[i + 1] = plan.arc_hot.size();
        }
    }

    // Class groups: atomic classes with presence, keyed by the filtered arcs that name them.
    const auto& presence = g.presence_stores();
    std::vector<std::vector<ArcIndex>> named_by(classes);
    for (std::size_t a = 0; a < arc_count; ++a)
        for (auto it = filters.begin(a); it != filters.end(a); ++it) named_by[*it].push_back(static_cast<ArcIndex>(a));
    std::vector<ClassIndex> present_atoms;
    for (ClassIndex d = 0; d < classes; ++d)
        if (!g.is_composite(d) && presence.size(d) > 0) present_atoms.push_back(d);
    std::stable_sort(present_atoms.begin(), present_atoms.end(),
                     [&](ClassIndex x, ClassIndex y) { return named_by[x] < named_by[y]; });
    for (std::size_t i = 0; i < present_atoms.size();) {
        std::size_t j = i;
        std::vector<std::int32_t> members;
        while (j < present_atoms.size() && named_by[present_atoms[j]] == named_by[present_atoms[i]])
            members.push_back(present_atoms[j++]);
        std::sort(members.begin(), members.end());
        plan.group_rep.push_back(members.front());
        plan.group_atoms.push_row(members);
        std::vector<std::int32_t> group_stores;
        for (auto d : members)
            for (auto it = presence.begin(d); it != presence.end(d); ++it) group_stores.push_back(plan.rank[*it]);
        std::sort(group_stores.begin(), group_stores.end());
        group_stores.erase(std::unique(group_stores.begin(), group_stores.end()), group_stores.end());
        plan.group_stores.push_row(group_stores);
        i = j;
    }
    const std::size_t groups = plan.group_rep.size();
    plan.admit_words = (arc_count + 63) / 64;
    if (groups * plan.admit_words <= kMaxAdmitWords) {
        plan.group_admits.assign(groups * plan.admit_words, 0);
        for (std::size_t group = 0; group < groups; ++group)
            for (std::size_t k = 0; k < arc_count; ++k) {
                const std::size_t a = plan.arc_original[k];
                if (filters.size(a) && std::binary_search(filters.begin(a), filters.end(a), plan.group_rep[group]))
                    plan.group_admits[group * plan.admit_words + k / 64] |= std::uint64_t{1} << (k % 64);
            }
    }

    // Atom levels.
    const auto& shares = g.presence_shares();
    plan.atom_level_begin.assign(classes + 1, 0);
    plan.level_entry_begin.push_back(0);
    for (ClassIndex d = 0; d < classes; ++d) {
        plan.atom_level_begin[d] = static_cast<std::int64_t>(plan.atom_level_share.size());
        if (g.is_composite(d)) continue;
        std::vector<std::int64_t> entries(static_cast<std::size_t>(presence.size(d)));
        std::iota(entries.begin(), entries.end(), presence.offsets[d]);
        std::stable_sort(entries.begin(), entries.end(),
                         [&](std::int64_t x, std::int64_t y) { return shares[x] > shares[y]; });
        for (std::size_t i = 0; i < entries.size(); ++i) {
            if (i == 0 || shares[entries[i]] != shares[entries[i - 1]]) {
                if (i) plan.level_entry_begin.push_back(static_cast<std::int64_t>(plan.level_entry_store.size()));
                plan.atom_level_share.push_back(shares[entries[i]]);
            }
            plan.level_entry_store.push_back(plan.rank[presence.values[entries[i]]]);
        }
        if (!entries.empty())
            plan.level_entry_begin.push_back(static_cast<std::int64_t>(plan.level_entry_store.size()));
    }
    plan.atom_level_begin[classes] = static_cast<std::int64_t>(plan.atom_level_share.size());
    plan.entry_node.reserve(presence.values.size());
    for (auto s : presence.values) plan.entry_node.push_back(plan.rank[s]);

    // Class levels.
    const auto& atoms = g.class_atoms();
    plan.class_level_begin.assign(classes + 1, 0);
    plan.class_level_atoms_begin.assign(classes, 0);
    plan.class_arity.assign(classes, 0);
    for (ClassIndex c = 0; c < classes; ++c) {
        plan.class_level_begin[c] = static_cast<std::int64_t>(plan.class_level_share.size());
        plan.class_level_atoms_begin[c] = static_cast<std::int64_t>(plan.class_level_atoms.size());
        plan.class_arity[c] = static_cast<std::int32_t>(atoms.size(c));
        bool any_absent = atoms.size(c) == 0;
        double top = std::numeric_limits<double>::infinity();
        std::vector<double> levels;
        for (auto it = atoms.begin(c); it != atoms.end(c); ++it) {
            const auto first = plan.atom_level_begin[*it], last = plan.atom_level_begin[*it + 1];
            if (first == last) {
                any_absent = true;
                break;
            }
            top = std::min(top, plan.atom_level_share[first]);
            levels.insert(levels.end(), plan.atom_level_share.begin() + first, plan.atom_level_share.begin() + last);
        }
        if (any_absent) continue;
        std::sort(levels.begin(), levels.end(), std::greater<>());
        levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
        for (double level : levels) {
            if (level > top) continue;
            plan.class_level_share.push_back(level);
            for (auto it = atoms.begin(c); it != atoms.end(c); ++it) {
                auto k = plan.atom_level_begin[*it];
                while (k + 1 < plan.atom_level_begin[*it + 1] && plan.atom_level_share[k + 1] >= level) ++k;
                plan.class_level_atoms.push_back(static_cast<std::int32_t>(k));
            }
        }
    }
    plan.class_level_begin[classes] = static_cast<std::int64_t>(plan.class_level_share.size());
    plan.level_count = plan.class_level_share.size();

    // Places: every region of a store holding the class and all its ancestors.
    plan.entry_count = options.places ? presence.values.size() : 0;
    plan.region_slot_begin.assign(classes + 1, 0);
    if (options.places) {
        const auto& parent = g.region_parent();
        std::vector<std::int32_t> slot_of(parent.size(), -1);
        std::vector<std::vector<std::int32_t>> chains;
        for (ClassIndex d = 0; d < classes; ++d) {
            plan.region_slot_begin[d] = static_cast<std::int64_t>(plan.slot_region.size());
            chains.assign(presence.size(d), {});
            std::vector<std::int32_t> regions;
            for (std::size_t i = 0; i < presence.size(d); ++i) {
                std::int32_t r = g.node_region(presence.values[presence.offsets[d] + i]);
                // A step limit keeps a (never validated) cycle of region parents from hanging.
                for (std::size_t steps = 0;
                     r >= 0 && static_cast<std::size_t>(r) < parent.size() && steps <= parent.size(); ++steps) {
                    chains[i].push_back(r);
                    regions.push_back(r);
                    r = parent[r];
                }
            }
            std::sort(regions.begin(), regions.end());
            regions.erase(std::unique(regions.begin(), regions.end()), regions.end());
            for (auto r : regions) {
                slot_of[r] = static_cast<std::int32_t>(plan.slot_region.size());
                plan.slot_region.push_back(r);
            }
            plan.max_slots_per_class = std::max(plan.max_slots_per_class, regions.size());
            for (auto& chain : chains) {
                for (auto& r : chain) r = slot_of[r];
                std::sort(chain.begin(), chain.end());
                chain.erase(std::unique(chain.begin(), chain.end()), chain.end());
                plan.entry_slots.push_row(chain);
            }
        }
        plan.region_slot_begin[classes] = static_cast<std::int64_t>(plan.slot_region.size());
        plan.slot_count = plan.slot_region.size();
    }
    plan.stride = plan.level_count + plan.entry_count + plan.slot_count;
    settle(plan, g);
    return plan;
}

std::vector<std::uint64_t> checkpoint_blocks(std::uint64_t total_blocks, std::uint64_t block_worlds, bool tolerance) {
    std::vector<std::uint64_t> out;
    if (tolerance) {
        const std::uint64_t unit = 4096;
        for (std::uint64_t worlds = unit; worlds / block_worlds < total_blocks;) {
            out.push_back(worlds / block_worlds);
            const std::uint64_t step = std::max(unit, worlds / 4 / unit * unit);
            if (worlds > std::numeric_limits<std::uint64_t>::max() - step) break;
            worlds += step;
        }
    }
    out.push_back(total_blocks);
    return out;
}

Tally sum_counts(const std::vector<std::unique_ptr<Tallies>>& spaces, std::size_t size) {
    Tally t;
    t.counts.assign(size, 0);
    for (const auto& ws : spaces) {
        if (!ws) continue;
        for (std::size_t k = 0; k < size; ++k) t.counts[k] += ws->counts[k];
        t.blocks += ws->blocks_done;
    }
    return t;
}

void probability_interval(std::uint8_t known, std::uint64_t hits, std::uint64_t worlds, double z, double& low,
                          double& high) {
    if (known & kNever)
        low = high = 0.0;
    else if (known & kAlways)
        low = high = 1.0;
    else
        wilson_interval(hits, worlds, z, low, high);
}

static double class_max_half_width(const CompiledGraph& g, const Plan& plan, const Tally& tally, std::uint64_t worlds,
                                   double z) {
    double widest = 0.0;
    const std::size_t classes = g.class_count();
    for (std::size_t i = 0; i < plan.adversaries.size(); ++i) {
        const std::uint64_t* counts = tally.counts.data() + i * plan.stride;
        for (std::size_t c = 0; c < classes; ++c) {
            const auto first = plan.class_level_begin[c], last = plan.class_level_begin[c + 1];
            const std::uint64_t hits = first == last ? 0 : counts[last - 1];
            double low, high;
            probability_interval(plan.class_known[i * classes + c], hits, worlds, z, low, high);
            widest = std::max(widest, (high - low) / 2.0);
        }
    }
    return widest;
}

ExposureTable make_table(const CompiledGraph& g, const Plan& plan, const Tally& tally, std::uint64_t worlds,
                         const MonteCarloOptions& options, double z) {
    ExposureTable table;
    const std::size_t rows = plan.adversaries.size();
    const std::size_t classes = g.class_count();
    table.adversaries = plan.adversaries;
    table.method = "monte_carlo";
    table.samples = worlds;
    table.seed = options.seed;
    for (ScoreMatrix* m : {&table.probability, &table.ci_low, &table.ci_high, &table.expected_share,
                           &table.expected_share_ci_low, &table.expected_share_ci_high})
        m->setZero(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(classes));
    const double n = static_cast<double>(worlds);
    for (std::size_t i = 0; i < rows; ++i) {
        const std::uint64_t* counts = tally.counts.data() + i * plan.stride;
        for (std::size_t c = 0; c < classes; ++c) {
            const auto r = static_cast<Eigen::Index>(i), k = static_cast<Eigen::Index>(c);
            const auto first = plan.class_level_begin[c], last = plan.class_level_begin[c + 1];
            std::uint64_t hits = 0;
            double sum = 0.0, sum_squares = 0.0;
            for (auto level = first; level < last; ++level) {
                const std::uint64_t exactly = counts[level] - hits;  // worlds with X_c == this level
                hits = counts[level];
                const double share = plan.class_level_share[level];
                sum += share * static_cast<double>(exactly);
                sum_squares += share * share * static_cast<double>(exactly);
            }
            const std::uint8_t known = plan.class_known[i * classes + c];
            const double top = plan.class_top[i * classes + c];  // the largest X_c possible
            double low, high;
            probability_interval(known, hits, worlds, z, low, high);
            table.ci_low(r, k) = low;
            table.ci_high(r, k) = high;
            table.max_half_width = std::max(table.max_half_width, (high - low) / 2.0);
            if (known & kFixedShare) {  // X_c is the same in every world
                table.probability(r, k) = (known & kNever) ? 0.0 : 1.0;
                table.expected_share(r, k) = table.expected_share_ci_low(r, k) = table.expected_share_ci_high(r, k) =
                    top;
                continue;
            }
            if (worlds == 0) {  // stopped before the first block: know little
                table.probability(r, k) = (known & kAlways) ? 1.0 : 0.0;
                table.expected_share_ci_high(r, k) = top;
                continue;
            }
            table.probability(r, k) = static_cast<double>(hits) / n;
            const double mean = sum / n;
            table.expected_share(r, k) = mean;
            const double variance = worlds > 1 ? std::max(0.0, (sum_squares - sum * mean) / (n - 1.0)) : 0.0;
            if (variance > 0.0) {  // normal approximation from the sample variance
                const double half = z * std::sqrt(variance / n);
                table.expected_share_ci_low(r, k) = std::clamp(mean - half, 0.0, mean);
                table.expected_share_ci_high(r, k) = std::clamp(mean + half, mean, top);
            } else {
                // Every sampled world had X = mean; the worlds that differ are a fraction of at
                // most u (the Wilson bound for none seen), and differ by at most down to 0 or
                // up to the largest possible share.
                const double u = z * z / (n + z * z);
                table.expected_share_ci_low(r, k) = mean * (1.0 - u);
                table.expected_share_ci_high(r, k) = std::min(top, mean + (top - mean) * u);
            }
        }
    }
    if (!plan.places) return table;

    const auto& presence = g.presence_stores();
    const std::size_t places = plan.entry_count + plan.slot_count;
    auto add_row = [&](PlaceExposure& out, std::size_t i, ClassIndex d, std::int32_t place, std::size_t index) {
        const std::uint64_t hits = tally.counts[i * plan.stride + plan.level_count + index];
        const std::uint8_t known = plan.place_known[i * places + index];
        double low, high;
        probability_interval(known, hits, worlds, z, low, high);
        out.adversary_row.push_back(static_cast<std::int32_t>(i));
        out.class_index.push_back(d);
        out.place.push_back(place);
        out.probability.push_back((known & kAlways) ? 1.0 : worlds ? static_cast<double>(hits) / n : 0.0);
        out.ci_low.push_back(low);
        out.ci_high.push_back(high);
    };
    for (std::size_t i = 0; i < rows; ++i) {
        for (ClassIndex d = 0; d < static_cast<ClassIndex>(classes); ++d) {
            if (g.is_composite(d)) continue;
            for (auto e = presence.offsets[d]; e < presence.offsets[d + 1]; ++e)
                add_row(table.by_store, i, d, presence.values[e], static_cast<std::size_t>(e));
            for (auto s = plan.region_slot_begin[d]; s < plan.region_slot_begin[d + 1]; ++s)
                add_row(table.by_region, i, d, plan.slot_region[s], plan.entry_count + static_cast<std::size_t>(s));
        }
    }
    return table;
}

void check_options(const MonteCarloOptions& options) {
    if (options.samples == 0) throw ModelError("samples: must be > 0");
    if (options.samples > (std::uint64_t{1} << 62)) throw ModelError("samples: must be at most 2^62");
    if (!(options.tolerance >= 0.0) || std::isinf(options.tolerance))
        throw ModelError("tolerance: must be a finite number >= 0, got " + std::to_string(options.tolerance));
    if (options.threads > 1024) throw ModelError("threads: at most 1024, got " + std::to_string(options.threads));
    if (!(options.confidence > 0.0 && options.confidence < 1.0))
        throw ModelError("confidence: must lie in (0, 1), got " + std::to_string(options.confidence));
    if (options.block_words != 0 && options.block_words != 1 && options.block_words != 2 && options.block_words != 4 &&
        options.block_words != 8)
        throw ModelError("block_words: must be 0 (auto), 1, 2, 4 or 8, got " + std::to_string(options.block_words));
}

unsigned block_words_for(std::size_t nodes, const MonteCarloOptions& options) {
    if (options.block_words) return options.block_words;
    // auto: 8, fewer when the per-thread node rows (16 bytes a word) grow large
    return nodes <= (std::size_t{1} << 21)   ? 8
           : nodes <= (std::size_t{1} << 22) ? 4
           : nodes <= (std::size_t{1} << 23) ? 2
                                             : 1;
}

}  // namespace detail
}  // namespace monte_carlo

namespace {

using namespace monte_carlo;
using namespace monte_carlo::detail;

template <int W>
ExposureTable run(const CompiledGraph& graph, const std::vector<NodeIndex>& adversaries,
                  const MonteCarloOptions& options) {
    const Plan plan = build_plan(graph, adversaries, options);
    const double z = normal_quantile(0.5 + options.confidence / 2.0);
    const std::uint64_t block_worlds = 64 * W;
    const std::uint64_t total_blocks = total_blocks_for(options.samples, block_worlds);
    unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    if (plan.adversaries.empty()) threads = 1;

    std::vector<std::unique_ptr<Scratch>> scratch(threads);
    std::vector<std::unique_ptr<Tallies>> tallies(threads);
    const std::size_t size = plan.adversaries.size() * plan.stride;
    if (!plan.adversaries.empty())
        run_blocks(
            threads, total_blocks, block_worlds, options,
            [&](unsigned t, std::uint64_t block, const std::atomic<bool>& stop) {
                if (!scratch[t]) {
                    scratch[t] = std::make_unique<Scratch>(plan, W);
                    tallies[t] = std::make_unique<Tallies>(plan, W);
                }
                return Kernel<W>(graph, plan, *scratch[t], *tallies[t], stop).run_block(block);
            },
            [&] {
                const Tally tally = sum_counts(tallies, size);
                return class_max_half_width(graph, plan, tally, tally.blocks * block_worlds, z) <= options.tolerance;
            });
    const Tally tally = sum_counts(tallies, size);
    const std::uint64_t worlds = tally.blocks * block_worlds;
    if (options.progress) options.progress(worlds, total_blocks * block_worlds);
    return make_table(graph, plan, tally, worlds, options, z);
}

}  // namespace

ExposureTable monte_carlo_exposure(const CompiledGraph& graph, const std::vector<NodeIndex>& adversaries,
                                   const MonteCarloOptions& options) {
    monte_carlo::detail::check_options(options);
    for (NodeIndex a : adversaries)
        if (a < 0 || static_cast<std::size_t>(a) >= graph.node_count())
            throw ModelError("adversaries: no node #" + std::to_string(a));
    switch (monte_carlo::detail::block_words_for(graph.node_count(), options)) {
        case 1: return run<1>(graph, adversaries, options);
        case 2: return run<2>(graph, adversaries, options);
        case 4: return run<4>(graph, adversaries, options);
        default: return run<8>(graph, adversaries, options);
    }
}

}  // namespace datareach
