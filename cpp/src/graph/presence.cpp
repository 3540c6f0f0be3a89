// Presence (docs/design.md §2.1): where each atomic class is held and with what share, once
// placements have been copied along flows. Computed once per compiled graph because every
// engine asks "which stores hold d, how much" for every adversary.
#include <algorithm>
#include <queue>
#include <utility>

#include "compile_steps.hpp"

namespace datareach::compile_steps {

// The widest path over flows, where a path's width is the product of shares. Shares are <= 1,
// so widths only shrink along a path and a label-setting search (Dijkstra with max-product)
// is exact, cycles included.
Presence propagate_presence(const ModelData& model, std::optional<Day> at, const RaggedIndex& atoms,
                            const std::vector<std::uint8_t>& composite) {
    const std::size_t nodes = model.node_count();
    const std::size_t classes = model.class_count();
    std::vector<std::vector<std::pair<std::size_t, double>>> flows_from(nodes);
    std::vector<std::vector<std::int32_t>> flow_filter(model.flow_count());
    for (std::size_t f = 0; f < model.flow_count(); ++f) {
        if (!present(model.flow_window[f], at)) continue;
        flows_from[model.flow_from[f]].emplace_back(f, model.flow_share[f]);
        flow_filter[f] = atomic_filter(model.flow_classes, f, atoms);
    }
    std::vector<double> best(nodes, 0.0);
    std::vector<NodeIndex> touched;
    std::vector<std::vector<std::size_t>> placements_of(classes);
    for (std::size_t i = 0; i < model.placement_count(); ++i)
        if (present(model.placement_window[i], at)) placements_of[model.placement_class[i]].push_back(i);

    Presence out;
    for (std::size_t d = 0; d < classes; ++d) {
        std::vector<std::pair<NodeIndex, double>> row;
        if (!composite[d]) {
            using Entry = std::pair<double, NodeIndex>;
            std::priority_queue<Entry> queue;
            for (std::size_t i : placements_of[d]) {
                const NodeIndex s = model.placement_store[i];
                if (best[s] == 0.0) touched.push_back(s);
                if (model.placement_share[i] > best[s]) {
                    best[s] = model.placement_share[i];
                    queue.emplace(best[s], s);
                }
            }
            while (!queue.empty()) {
                const auto [width, s] = queue.top();
                queue.pop();
                if (width < best[s]) continue;
                for (const auto& [f, share] : flows_from[s]) {
                    const auto& filter = flow_filter[f];
                    if (!filter.empty() &&
                        !std::binary_search(filter.begin(), filter.end(), static_cast<std::int32_t>(d)))
                        continue;
                    const NodeIndex t = model.flow_to[f];
                    const double candidate = width * share;
                    if (candidate > best[t]) {
                        if (best[t] == 0.0) touched.push_back(t);
                        best[t] = candidate;
                        queue.emplace(candidate, t);
                    }
                }
            }
            std::sort(touched.begin(), touched.end());
            for (NodeIndex s : touched) {
                row.emplace_back(s, best[s]);
                best[s] = 0.0;
            }
            touched.clear();
        }
        std::vector<std::int32_t> stores;
        for (const auto& [s, share] : row) {
            stores.push_back(s);
            out.shares.push_back(share);
        }
        out.stores.push_row(stores);
    }
    return out;
}

}  // namespace datareach::compile_steps
