// Series-parallel reduction (see series_parallel.hpp), repeated until nothing merges.
#include "series_parallel.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace datareach::exact {

void reduce_series_parallel(std::vector<WorkArc>& work, std::vector<std::uint8_t>& admits, int groups,
                            const std::vector<std::uint8_t>& holds) {
    const int n = static_cast<int>(holds.size());
    auto row = [&](int w) { return admits.data() + static_cast<std::size_t>(w) * groups; };
    std::vector<int> order, indeg(n), outdeg(n), in_of(n), out_of(n);
    std::vector<std::uint8_t> dirty(n);
    for (bool changed = true; changed;) {
        changed = false;
        // Parallel.
        order.clear();
        for (int w = 0; w < static_cast<int>(work.size()); ++w)
            if (work[w].alive && work[w].pure) order.push_back(w);
        std::sort(order.begin(), order.end(), [&](int a, int b) {
            if (work[a].source != work[b].source) return work[a].source < work[b].source;
            if (work[a].target != work[b].target) return work[a].target < work[b].target;
            const int c = std::memcmp(row(a), row(b), static_cast<std::size_t>(groups));
            return c != 0 ? c < 0 : a < b;
        });
        for (std::size_t i = 0; i < order.size();) {
            std::size_t j = i + 1;
            const int a = order[i];
            while (j < order.size() && work[order[j]].source == work[a].source &&
                   work[order[j]].target == work[a].target &&
                   std::memcmp(row(order[j]), row(a), static_cast<std::size_t>(groups)) == 0)
                ++j;
            if (j - i > 1) {
                // 1 - prod(1 - p) through logarithms: with every p below 2^-54 each 1 - p rounds
                // to 1 and the plain product would give p = 0, which pruning reads as certain.
                double log_fail = 0.0;
                for (std::size_t k = i; k < j; ++k) {
                    log_fail += std::log1p(-work[order[k]].p);
                    work[order[k]].alive = false;
                }
                std::vector<std::uint8_t> keep(row(a), row(a) + groups);
                work.push_back({work[a].source, work[a].target, -std::expm1(log_fail), -1, true, true});
                admits.insert(admits.end(), keep.begin(), keep.end());
                changed = true;
            }
            i = j;
        }
        // Series.
        std::fill(indeg.begin(), indeg.end(), 0);
        std::fill(outdeg.begin(), outdeg.end(), 0);
        std::fill(dirty.begin(), dirty.end(), 0);
        for (int w = 0; w < static_cast<int>(work.size()); ++w) {
            if (!work[w].alive) continue;
            ++outdeg[work[w].source];
            out_of[work[w].source] = w;
            ++indeg[work[w].target];
            in_of[work[w].target] = w;
        }
        for (int v = 1; v < n; ++v) {  // never the adversary (local node 0)
            if (holds[v] || dirty[v] || indeg[v] != 1 || outdeg[v] != 1) continue;
            const int a = in_of[v], b = out_of[v];
            if (!work[a].pure || !work[b].pure) continue;
            const int u = work[a].source, t = work[b].target;
            if (dirty[u] || dirty[t]) continue;
            // A product that underflows to 0 would be read as a certain arc: keep the two.
            if (work[a].p * work[b].p == 0.0) continue;
            std::vector<std::uint8_t> both(static_cast<std::size_t>(groups));
            bool any = false;
            for (int group = 0; group < groups; ++group) any |= (both[group] = row(a)[group] & row(b)[group]) != 0;
            work[a].alive = work[b].alive = false;
            indeg[v] = outdeg[v] = 0;
            changed = true;
            if (!any || u == t) {
                --outdeg[u];
                --indeg[t];
                dirty[u] = dirty[t] = 1;  // their single arcs are no longer known this pass
                continue;
            }
            const double p = work[a].p * work[b].p;
            work.push_back({u, t, p, -1, true, true});
            admits.insert(admits.end(), both.begin(), both.end());
            out_of[u] = static_cast<int>(work.size()) - 1;
            in_of[t] = static_cast<int>(work.size()) - 1;
        }
    }
}

}  // namespace datareach::exact
