// The arc keys (ModelData::arc_key): the parallel radix ranking against the definition, one
// arc at a time with a map, for any number of threads; the first bad row is the one named.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/errors.hpp"
#include "datareach/model_data.hpp"

namespace {

using namespace datareach;

std::vector<std::uint64_t> keys_by_definition(const std::vector<std::uint64_t>& node_key,
                                              const std::vector<std::int32_t>& from,
                                              const std::vector<std::int32_t>& to) {
    std::unordered_map<std::uint64_t, std::uint64_t> seen;
    std::vector<std::uint64_t> keys(from.size());
    for (std::size_t i = 0; i < from.size(); ++i) {
        const auto pair = mix_keys(node_key[from[i]], node_key[to[i]]);
        keys[i] = mix_keys(pair, seen[pair]++);
    }
    return keys;
}

struct Arcs {
    std::vector<std::uint64_t> node_key;
    std::vector<std::int32_t> from, to;
};

// Enough arcs for several parts (2^18 arcs each at least), with many parallel arcs.
Arcs random_arcs(std::size_t arcs, std::uint32_t seed) {
    std::mt19937_64 rng(seed);
    Arcs out;
    out.node_key.resize(5000);
    for (auto& key : out.node_key) key = rng();
    std::uniform_int_distribution<std::int32_t> source(0, 4999), target(0, 40);
    for (std::size_t i = 0; i < arcs; ++i) {
        out.from.push_back(source(rng));
        out.to.push_back(target(rng));
    }
    return out;
}

TEST(ArcKeys, EqualTheDefinitionForAnyNumberOfThreads) {
    const Arcs arcs = random_arcs(1'300'007, 5);
    const auto expected = keys_by_definition(arcs.node_key, arcs.from, arcs.to);
    for (unsigned threads : {1u, 2u, 3u, 8u}) {
        SCOPED_TRACE("threads " + std::to_string(threads));
        EXPECT_EQ(arc_keys_from_nodes(arcs.node_key, arcs.from, arcs.to, threads), expected);
    }
}

TEST(ArcKeys, NameTheFirstRowWithAnUnknownNodeWhateverPartItIsIn) {
    Arcs arcs = random_arcs(1'200'000, 6);
    arcs.to[1'100'000] = 5000;  // in the last part
    arcs.from[700'001] = -1;    // in a middle part: the first bad row
    for (unsigned threads : {1u, 3u}) {
        try {
            arc_keys_from_nodes(arcs.node_key, arcs.from, arcs.to, threads);
            FAIL() << "no error";
        } catch (const ModelError& error) {
            EXPECT_STREQ(error.what(), "access[700001].from: no node #-1");
        }
    }
}

}  // namespace
