// The steps of one frontier pass (see steps.hpp).
#include "steps.hpp"

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <utility>

#include "datareach/errors.hpp"
#include "ordering.hpp"
#include "state.hpp"

namespace datareach::frontier {

namespace {

int take_slot(std::uint64_t& used, int limit) {
    for (int s = 0; s < limit; ++s)
        if (!(used >> s & 1)) {
            used |= std::uint64_t{1} << s;
            return s;
        }
    throw std::logic_error("frontier method: more slots needed than a state holds");
}

// Whether arcs a and b are the two arcs of a link (see Step): reverse of each other, needing
// the same variables, which no other arc uses (`var_uses`).
bool link_pair(const exact::PrunedRun& run, const std::vector<int>& var_uses, int a, int b) {
    if (run.source[a] != run.target[b] || run.target[a] != run.source[b] || run.source[a] == run.target[a])
        return false;
    const int na = run.arc_var_offsets[a + 1] - run.arc_var_offsets[a];
    if (na == 0 || na != run.arc_var_offsets[b + 1] - run.arc_var_offsets[b]) return false;
    for (int j = 0; j < na; ++j) {
        const int x = run.arc_vars[run.arc_var_offsets[a] + j];
        if (x != run.arc_vars[run.arc_var_offsets[b] + j] || var_uses[x] != 2) return false;
    }
    return true;
}

// Brings the two arcs of every link in `order` next to each other; true when it moved any.
// The order puts arcs between the same two nodes together, but parallel links interleave
// (u -> v, u -> v, v -> u, v -> u); reordering within such a block moves no node's first or
// last arc, only the spans of the moved arcs' variables. `var_uses` does not depend on the order.
bool bring_links_together(const exact::PrunedRun& run, const std::vector<int>& var_uses, std::vector<int>& order) {
    auto same_ends = [&](int a, int b) {
        return std::minmax(run.source[a], run.target[a]) == std::minmax(run.source[b], run.target[b]);
    };
    bool moved = false;
    const std::size_t m = order.size();
    for (std::size_t i = 0; i + 1 < m; ++i) {
        if (link_pair(run, var_uses, order[i], order[i + 1])) {
            ++i;
            continue;
        }
        if (!same_ends(order[i], order[i + 1])) continue;  // no block of parallel arcs here
        for (std::size_t j = i + 2; j < m && same_ends(order[i], order[j]); ++j)
            if (link_pair(run, var_uses, order[i], order[j])) {
                std::rotate(order.begin() + static_cast<std::ptrdiff_t>(i + 1),
                            order.begin() + static_cast<std::ptrdiff_t>(j),
                            order.begin() + static_cast<std::ptrdiff_t>(j + 1));
                moved = true;
                ++i;
                break;
            }
    }
    return moved;
}

}  // namespace

std::vector<Step> plan_steps(const exact::PrunedRun& run, const std::vector<int>& given,
                             const std::vector<std::uint32_t>& sets_of, int set_count, int& node_slots) {
    const int n = static_cast<int>(run.node_count()), nv = static_cast<int>(run.var_count());
    std::vector<int> arcs = given;
    ArcSpans spans = arc_spans(run, arcs);
    if (bring_links_together(run, spans.var_uses, arcs)) spans = arc_spans(run, arcs);
    const int m = static_cast<int>(arcs.size());
    const std::vector<int>&node_first = spans.node_first, &node_last = spans.node_last;
    const std::vector<int>&var_first = spans.var_first, &var_last = spans.var_last, &var_uses = spans.var_uses;
    // The last step at which a node of each set is first met.
    std::vector<int> set_last_entry(set_count, -1);
    for (int v = 0; v < n; ++v)
        if (sets_of[v] && node_first[v] >= 0)
            for (int j = 0; j < set_count; ++j)
                if (sets_of[v] >> j & 1) set_last_entry[j] = std::max(set_last_entry[j], node_first[v]);
    std::vector<int> node_slot(n, -1), var_slot(nv, -1);
    std::uint64_t used_nodes = 0, used_vars = 0;
    node_slots = 0;
    bool adversary_met = false;
    // Whether arcs i and i + 1 form a link (see Step).
    auto link_at = [&](int i) { return i + 1 < m && link_pair(run, var_uses, arcs[i], arcs[i + 1]); };
    std::vector<Step> steps;
    steps.reserve(m);
    for (int i = 0; i < m; ++i) {
        const int a = arcs[i];
        Step& step = steps.emplace_back();
        if (link_at(i)) {
            step.both_ways = true;
            ++i;  // the reverse arc: same nodes, same variables; `i` is now the link's last position
        }
        for (int v : {run.source[a], run.target[a]}) {
            if (node_slot[v] >= 0) continue;
            node_slot[v] = take_slot(used_nodes, kMaxNodeSlots);
            node_slots = std::max(node_slots, node_slot[v] + 1);
            step.enter.emplace_back(node_slot[v], sets_of[v]);
            step.enter_node.push_back(v);
            if (v == 0) {
                step.enter_reached = std::uint32_t{1} << node_slot[v];
                adversary_met = true;
            }
        }
        step.adversary_met = adversary_met;
        step.occupied = static_cast<std::uint32_t>(used_nodes);
        for (int j = 0; j < set_count; ++j)
            if (set_last_entry[j] > i)
                step.sets_to_come |= std::uint32_t{1} << j;
            else
                step.sets_closed |= std::uint32_t{1} << j;
        step.from_adversary = run.source[a] == 0;
        step.source_slot = node_slot[run.source[a]];
        step.target_slot = node_slot[run.target[a]];
        for (int j = run.arc_var_offsets[a]; j < run.arc_var_offsets[a + 1]; ++j) {
            const int x = run.arc_vars[j];
            if (var_uses[x] < 2 || step.both_ways) {
                step.own *= run.var_p[x];
                continue;
            }
            if (var_first[x] == i) {
                var_slot[x] = take_slot(used_vars, kMaxVariableSlots);
                step.branch.emplace_back(var_slot[x], run.var_p[x]);
            }
            step.needs |= std::uint64_t{1} << var_slot[x];
            if (var_last[x] == i) step.leave_vars |= std::uint64_t{1} << var_slot[x];
        }
        used_vars &= ~step.leave_vars;  // after the loop: a slot freed here is not taken by this arc
        for (int v : {run.source[a], run.target[a]})
            if (node_last[v] == i && node_slot[v] >= 0) {
                step.leave_nodes |= std::uint32_t{1} << node_slot[v];
                used_nodes &= ~(std::uint64_t{1} << node_slot[v]);
                node_slot[v] = -1;
            }
    }
    return steps;
}

}  // namespace datareach::frontier
