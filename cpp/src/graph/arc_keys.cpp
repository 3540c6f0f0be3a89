// Stable keys of access arcs from the keys of their nodes (see model_data.hpp): the pair key
// of each arc, then its rank among the arcs of the same pair, found by a stable radix sort of
// the pair keys so that ten million arcs take a fraction of a second.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/errors.hpp"
#include "datareach/model_data.hpp"

namespace datareach {

std::vector<std::uint64_t> arc_keys_from_nodes(const std::vector<std::uint64_t>& node_key,
                                               const std::vector<std::int32_t>& arc_from,
                                               const std::vector<std::int32_t>& arc_to) {
    const std::size_t arcs = arc_from.size();
    if (arc_to.size() != arcs) throw ModelError("access[0].*: columns of different lengths");
    std::vector<std::uint64_t> pair(arcs);
    for (std::size_t i = 0; i < arcs; ++i) {
        const auto from = arc_from[i];
        const auto to = arc_to[i];
        if (from < 0 || static_cast<std::size_t>(from) >= node_key.size())
            throw ModelError("access[" + std::to_string(i) + "].from: no node #" + std::to_string(from));
        if (to < 0 || static_cast<std::size_t>(to) >= node_key.size())
            throw ModelError("access[" + std::to_string(i) + "].to: no node #" + std::to_string(to));
        pair[i] = mix_keys(node_key[from], node_key[to]);
    }
    // (pair, row) sorted by pair, then row: rows of one pair in row order, so a row's rank is
    // its place in the run of its pair. One counting pass spreads the entries by the top 16
    // bits of their pair (well mixed, so the buckets are small and even); each bucket is then
    // sorted where it lies in cache.
    struct Entry {
        std::uint64_t pair;
        std::uint32_t row;
        bool operator<(const Entry& other) const { return pair != other.pair ? pair < other.pair : row < other.row; }
    };
    constexpr int kShift = 48;
    std::vector<std::size_t> start((1u << 16) + 1, 0);
    for (std::size_t i = 0; i < arcs; ++i) ++start[(pair[i] >> kShift) + 1];
    for (std::size_t b = 1; b < start.size(); ++b) start[b] += start[b - 1];
    std::vector<Entry> order(arcs);
    {
        auto cursor = start;
        for (std::size_t i = 0; i < arcs; ++i)
            order[cursor[pair[i] >> kShift]++] = {pair[i], static_cast<std::uint32_t>(i)};
    }
    for (std::size_t b = 0; b + 1 < start.size(); ++b)
        std::sort(order.begin() + static_cast<std::ptrdiff_t>(start[b]),
                  order.begin() + static_cast<std::ptrdiff_t>(start[b + 1]));
    std::vector<std::uint64_t> keys(arcs);
    std::uint64_t rank = 0;
    for (std::size_t i = 0; i < arcs; ++i) {
        rank = (i > 0 && order[i].pair == order[i - 1].pair) ? rank + 1 : 0;
        keys[order[i].row] = mix_keys(order[i].pair, rank);
    }
    return keys;
}

}  // namespace datareach
