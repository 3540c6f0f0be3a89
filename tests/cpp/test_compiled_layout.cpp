// The compiled graph's 32-bit layout (compiled_graph.hpp, kMaxCompiledIndex): every accessor
// of graphs compiled from random models against a reference built here in 64 bits straight
// from the ModelData, and the refusal of counts that do not fit in 32 bits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/errors.hpp"
#include "test_models.hpp"

namespace datareach {
namespace {

// A random model with regions, jurisdiction rules (some nodes exempt), nested composite
// classes, events, windows, filters and required events, and (sometimes) explicit keys.
ModelData random_layout_model(std::mt19937_64& rng) {
    auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    auto chance = [&](double p) { return std::bernoulli_distribution(p)(rng); };
    testing::ModelBuilder b;
    const std::vector<std::string> regions{"", "US", "US/VA", "US/CA", "CN", "CN/Beijing", "EU", "EU/DE/Berlin"};
    const int nodes = uniform(1, 40);
    for (int v = 0; v < nodes; ++v) {
        const std::string& region = regions[uniform(0, static_cast<int>(regions.size()) - 1)];
        if (chance(0.15)) {
            const std::string& territory = regions[uniform(1, static_cast<int>(regions.size()) - 1)];
            b.jurisdiction(territory, uniform(0, 4) / 4.0, region);
        } else if (chance(0.05)) {
            b.node(NodeKind::jurisdiction, region);  // no rule
        } else {
            b.node(chance(0.3) ? NodeKind::store : NodeKind::role, region);
        }
    }
    if (chance(0.5)) {
        b.data.node_rule_exempt.assign(nodes, 0);
        for (std::size_t v = 0; v < b.data.node_rule_exempt.size(); ++v)
            b.data.node_rule_exempt[v] = chance(0.2) ? 1 : 0;
    }
    const int atoms = uniform(1, 5);
    for (int c = 0; c < atoms; ++c) b.atomic_class();
    const int composites = uniform(0, 4);
    for (int c = 0; c < composites; ++c) {
        std::vector<std::int32_t> parts;
        const int count = uniform(1, 3);
        for (int k = 0; k < count; ++k) parts.push_back(uniform(0, atoms + c - 1));  // earlier classes: no cycle
        b.composite_class(parts);
    }
    const int classes = atoms + composites;
    const int events = uniform(0, 4);
    for (int e = 0; e < events; ++e) b.event(uniform(0, 4) / 4.0);
    const int arcs = uniform(0, 150);
    for (int i = 0; i < arcs; ++i) {
        std::vector<std::int32_t> filter, requires_;
        if (chance(0.4)) {
            const int count = uniform(1, 3);
            for (int k = 0; k < count; ++k) filter.push_back(uniform(0, classes - 1));
        }
        if (events > 0 && chance(0.4)) {
            const int count = uniform(1, 2);
            for (int k = 0; k < count; ++k) requires_.push_back(uniform(0, events - 1));
        }
        Window window;
        if (chance(0.3)) window = {uniform(0, 10), uniform(11, 20)};
        b.arc(uniform(0, nodes - 1), uniform(0, nodes - 1), uniform(0, 4) / 4.0, filter, requires_, window);
    }
    for (int v = 0; v < nodes; ++v)
        if (b.data.node_kind[v] == NodeKind::store && chance(0.5)) b.place(uniform(0, classes - 1), v);
    if (chance(0.5)) {
        for (int i = 0; i < arcs; ++i) b.data.arc_key.push_back(rng());
        for (int v = 0; v < nodes; ++v) b.data.node_key.push_back(rng());
        for (int e = 0; e < events; ++e) b.data.event_key.push_back(rng());
    }
    return b.data;
}

// The compiled arcs in 64 bits, from the definitions of compiled_graph.hpp.
struct Reference {
    std::vector<std::int64_t> origin;  // per arc, out-arc order
    std::vector<std::int32_t> source, target;
    std::vector<double> p;
    std::vector<std::uint64_t> key;
    std::vector<std::vector<std::int32_t>> classes, requires_;
    std::vector<std::int64_t> out_offsets, in_offsets, in_arcs;
};

void atoms_of(const ModelData& m, std::int32_t c, std::vector<std::int32_t>& out) {
    const auto& comp = m.class_components;
    if (comp.size(c) == 0) {
        out.push_back(c);
        return;
    }
    for (auto it = comp.begin(c); it != comp.end(c); ++it) atoms_of(m, *it, out);
}

Reference reference(const ModelData& m, std::optional<Day> at) {
    struct Arc {
        std::int32_t source, target;
        std::int64_t origin;
    };
    std::vector<Arc> arcs;
    for (std::size_t i = 0; i < m.arc_count(); ++i)
        if (!at || m.arc_window[i].contains(*at))
            arcs.push_back({m.arc_from[i], m.arc_to[i], static_cast<std::int64_t>(i)});
    const auto nodes = static_cast<std::int32_t>(m.node_count());
    for (std::int32_t j = 0; j < nodes; ++j) {
        if (std::isnan(m.node_compels[j])) continue;
        for (std::int32_t v = 0; v < nodes; ++v) {
            if (v == j || (!m.node_rule_exempt.empty() && m.node_rule_exempt[v])) continue;
            bool inside = false;
            for (std::int32_t r = m.node_region[v]; r != -1; r = m.region_parent[r]) inside |= r == m.node_territory[j];
            if (inside) arcs.push_back({j, v, -1 - static_cast<std::int64_t>(j)});
        }
    }
    // Grouped by source; within a source, access order then rule arcs (as listed above).
    std::stable_sort(arcs.begin(), arcs.end(), [](const Arc& x, const Arc& y) { return x.source < y.source; });
    auto node_key = [&](std::int32_t v) -> std::uint64_t { return m.node_key.empty() ? v : m.node_key[v]; };
    Reference ref;
    ref.out_offsets.assign(nodes + 1, 0);
    ref.in_offsets.assign(nodes + 1, 0);
    for (const Arc& a : arcs) {
        ref.origin.push_back(a.origin);
        ref.source.push_back(a.source);
        ref.target.push_back(a.target);
        ++ref.out_offsets[a.source + 1];
        ++ref.in_offsets[a.target + 1];
        std::vector<std::int32_t> cls, req;
        if (a.origin >= 0) {
            const auto row = static_cast<std::size_t>(a.origin);
            ref.p.push_back(m.arc_p[row]);
            ref.key.push_back(m.arc_key.empty() ? row : m.arc_key[row]);
            for (auto it = m.arc_classes.begin(row); it != m.arc_classes.end(row); ++it) atoms_of(m, *it, cls);
            std::sort(cls.begin(), cls.end());
            cls.erase(std::unique(cls.begin(), cls.end()), cls.end());
            req.assign(m.arc_requires.begin(row), m.arc_requires.end(row));
        } else {
            ref.p.push_back(m.node_compels[a.source]);
            ref.key.push_back(mix_keys(mix_keys(node_key(a.source), node_key(a.target)), 0x6A75726973ull));
        }
        ref.classes.push_back(cls);
        ref.requires_.push_back(req);
    }
    for (std::int32_t v = 0; v < nodes; ++v) {
        ref.out_offsets[v + 1] += ref.out_offsets[v];
        ref.in_offsets[v + 1] += ref.in_offsets[v];
    }
    for (std::int32_t v = 0; v < nodes; ++v)
        for (std::size_t a = 0; a < arcs.size(); ++a)
            if (arcs[a].target == v) ref.in_arcs.push_back(static_cast<std::int64_t>(a));
    return ref;
}

template <class Ragged>
void expect_rows(const Ragged& ragged, const std::vector<std::vector<std::int32_t>>& rows, const char* what) {
    ASSERT_EQ(ragged.rows(), rows.size()) << what;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        ASSERT_EQ(ragged.size(r), rows[r].size()) << what << " row " << r;
        EXPECT_EQ(std::vector<std::int32_t>(ragged.begin(r), ragged.end(r)), rows[r]) << what << " row " << r;
        std::vector<std::int32_t> by_row;
        for (std::int32_t x : ragged.row(r)) by_row.push_back(x);
        EXPECT_EQ(by_row, rows[r]) << what << " row " << r;
    }
}

TEST(CompiledLayout, EveryAccessorMatchesA64BitReferenceOnRandomModels) {
    std::mt19937_64 rng(20240611);
    std::size_t arcs_seen = 0, rule_arcs_seen = 0, filtered_seen = 0, requiring_seen = 0;
    for (int round = 0; round < 300; ++round) {
        const ModelData m = random_layout_model(rng);
        const std::optional<Day> at = round % 3 == 0 ? std::nullopt : std::optional<Day>(round % 20);
        SCOPED_TRACE("round " + std::to_string(round));
        const CompiledGraph g = CompiledGraph::compile(m, at);
        const Reference ref = reference(m, at);
        ASSERT_EQ(g.node_count(), m.node_count());
        ASSERT_EQ(g.arc_count(), ref.origin.size());
        for (std::size_t v = 0; v < m.node_count(); ++v) {
            const auto n = static_cast<NodeIndex>(v);
            EXPECT_EQ(g.out_begin(n), ref.out_offsets[v]);
            EXPECT_EQ(g.out_end(n), ref.out_offsets[v + 1]);
            EXPECT_EQ(g.in_begin(n), ref.in_offsets[v]);
            EXPECT_EQ(g.in_end(n), ref.in_offsets[v + 1]);
        }
        ASSERT_EQ(ref.in_arcs.size(), g.arc_count());
        for (std::size_t i = 0; i < ref.in_arcs.size(); ++i)
            EXPECT_EQ(g.in_arc(static_cast<ArcIndex>(i)), ref.in_arcs[i]) << "in-arc " << i;
        for (std::size_t k = 0; k < g.arc_count(); ++k) {
            const auto a = static_cast<ArcIndex>(k);
            EXPECT_EQ(g.arc_origin(a), ref.origin[k]) << "arc " << k;
            EXPECT_EQ(g.arc_source(a), ref.source[k]) << "arc " << k;
            EXPECT_EQ(g.arc_target(a), ref.target[k]) << "arc " << k;
            EXPECT_EQ(g.arc_p(a), ref.p[k]) << "arc " << k;
            EXPECT_EQ(g.arc_key(a), ref.key[k]) << "arc " << k;
            if (is_jurisdiction_origin(g.arc_origin(a))) {
                EXPECT_EQ(jurisdiction_of_origin(g.arc_origin(a)), ref.source[k]);
                ++rule_arcs_seen;
            }
            double live = ref.p[k];
            bool possible = ref.p[k] > 0.0, certain = ref.p[k] == 1.0;
            for (std::int32_t e : ref.requires_[k]) {
                live *= m.event_p[e];
                possible = possible && m.event_p[e] > 0.0;
                certain = certain && m.event_p[e] == 1.0;
            }
            EXPECT_EQ(g.arc_live_probability(a), live) << "arc " << k;
            EXPECT_EQ(g.arc_possible(a), possible) << "arc " << k;
            EXPECT_EQ(g.arc_certain(a), certain) << "arc " << k;
            for (ClassIndex d = 0; d < static_cast<ClassIndex>(m.class_count()); ++d) {
                if (g.is_composite(d)) continue;
                const auto& cls = ref.classes[k];
                const bool admits = cls.empty() || std::binary_search(cls.begin(), cls.end(), d);
                EXPECT_EQ(g.admits(a, d), admits) << "arc " << k << " class " << d;
            }
        }
        expect_rows(g.arc_classes(), ref.classes, "arc_classes");
        expect_rows(g.arc_requires(), ref.requires_, "arc_requires");
        arcs_seen += g.arc_count();
        for (std::size_t k = 0; k < g.arc_count(); ++k) {
            filtered_seen += !ref.classes[k].empty();
            requiring_seen += !ref.requires_[k].empty();
        }
    }
    // The random models cover both kinds of arcs in quantity.
    EXPECT_GT(arcs_seen, 5000u);
    EXPECT_GT(rule_arcs_seen, 500u);
    EXPECT_GT(filtered_seen, 1000u);
    EXPECT_GT(requiring_seen, 1000u);
}

TEST(CompiledLayout, SizesThatFitIn32BitsPass) {
    const auto most = static_cast<std::uint64_t>(kMaxCompiledIndex);
    EXPECT_EQ(kMaxCompiledIndex, std::int64_t{2147483647});
    EXPECT_NO_THROW(check_compiled_sizes({most, most, most, most}));
    EXPECT_NO_THROW(check_compiled_sizes({}));
}

TEST(CompiledLayout, SizesOver32BitsAreRefusedNamingWhatOverflowed) {
    const auto over = static_cast<std::uint64_t>(kMaxCompiledIndex) + 1;
    auto message = [](const CompiledSizes& sizes) -> std::string {
        try {
            check_compiled_sizes(sizes);
        } catch (const ModelError& e) {
            return e.what();
        }
        return "(not refused)";
    };
    CompiledSizes sizes;
    sizes.arcs = over;
    EXPECT_NE(message(sizes).find("2147483648 arcs"), std::string::npos) << message(sizes);
    sizes = {};
    sizes.access_rows = over;
    EXPECT_NE(message(sizes).find("2147483648 access rows"), std::string::npos) << message(sizes);
    sizes = {};
    sizes.class_entries = over;
    EXPECT_NE(message(sizes).find("2147483648 class filter entries"), std::string::npos) << message(sizes);
    sizes = {};
    sizes.require_entries = over;
    EXPECT_NE(message(sizes).find("2147483648 required event entries"), std::string::npos) << message(sizes);
    // Far beyond 32 bits too (a rule over 10^5 nodes of 10^5 jurisdictions).
    sizes = {};
    sizes.arcs = std::uint64_t{10'000'000'000};
    EXPECT_NE(message(sizes).find("10000000000 arcs"), std::string::npos) << message(sizes);
    EXPECT_THROW(check_compiled_sizes(sizes), ModelError);
}

// ModelData leaves arc_cost and arc_window empty for a model that gives neither (every cost
// 1, every arc always present): the same graph as with the columns filled so.
TEST(CompiledLayout, EmptyCostAndWindowColumnsMeanTheDefaults) {
    std::mt19937_64 rng(64);
    for (int round = 0; round < 100; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        ModelData filled = random_layout_model(rng);
        filled.arc_window.assign(filled.arc_count(), Window{});
        filled.arc_cost.assign(filled.arc_count(), 1.0);
        ModelData left_out = filled;
        left_out.arc_window.clear();
        left_out.arc_cost.clear();
        const std::optional<Day> at = round % 2 ? std::nullopt : std::optional<Day>(round);
        const CompiledGraph a = CompiledGraph::compile(filled, at), b = CompiledGraph::compile(left_out, at);
        ASSERT_EQ(a.arc_count(), b.arc_count());
        for (std::size_t k = 0; k < a.arc_count(); ++k) {
            const auto arc = static_cast<ArcIndex>(k);
            EXPECT_EQ(a.arc_origin(arc), b.arc_origin(arc));
            EXPECT_EQ(a.arc_target(arc), b.arc_target(arc));
            EXPECT_EQ(a.arc_key(arc), b.arc_key(arc));
        }
        if (filled.arc_count() > 1) {  // given, they must have a value per arc
            ModelData short_cost = left_out;
            short_cost.arc_cost.assign(filled.arc_count() - 1, 1.0);
            EXPECT_THROW(short_cost.validate(), ModelError);
            ModelData short_window = left_out;
            short_window.arc_window.assign(1 + filled.arc_count(), Window{});
            EXPECT_THROW(short_window.validate(), ModelError);
        }
    }
}

}  // namespace
}  // namespace datareach
