// Paired Monte Carlo comparison of a base model with variants (docs/design.md §5, `compare`).
//
// Every graph is evaluated on the same worlds: the same seed and the same global world index
// give the same coin to every arc and event that has the same key in two graphs (common
// random numbers; see monte_carlo.hpp). So for each world the engine knows the
// exposed share X of each class in the base and in every variant, and estimates the
// DIFFERENCE from the per-world pairs rather than from two independent estimates: where a
// change touches little, the two models agree in almost every world and the difference is
// known far more precisely than either value.
//
// Per variant v (graphs 1..k), adversary i and class c, with n worlds:
//   n10 = worlds where the base exposes c and v does not, n01 = the converse (integers);
//   probability difference d = P_v(X > 0) - P_base(X > 0), estimated by (n01 - n10) / n,
//     with Tango's asymptotic score interval for paired proportions (Tango 1998, Stat Med
//     17:891; recommended by Fagerland, Lydersen & Laake 2014, Stat Med 33:2850): the set of
//     d0 whose score statistic (n01 - n10 - n d0) / sqrt(n (2 q(d0) + d0 (1 - d0))) lies
//     within +-z, q(d0) the maximum-likelihood P(base only) under d = d0. Unlike the Wald
//     interval it keeps a sensible width when few or no discordant worlds are seen (with
//     none: about +-z^2 / n);
//   expected-share difference E[X_v - X_base]: the mean of D = X_v - X_base over the worlds,
//     with a normal interval from the sample variance of D (D per world in 2^-62 fixed point,
//     summed as integers: deterministic), to which z^2 / 2 pseudo-worlds at each end of the
//     range of D are added: negligible when many worlds differ, and keeping the interval
//     about z^2 / n wide (like Tango's) when few or none do.
// Where the pair is settled without sampling, the difference is exact with a zero-width
// interval: both probabilities fixed by deterministic reach (0 or 1) or both shares fixed;
// and when the adversary's view of the class is the same in both graphs (the arcs reachable
// from the adversary that can be live and admit the class match by key, p, required events
// and class filter, leading to stores that hold the class with the same shares), X is equal
// in every world and the difference is exactly 0.
//
// Cost: each block is evaluated for every graph (the bit-parallel kernel of
// monte_carlo/kernel.hpp, shared), the base first; a variant copies the live masks of the arcs
// it shares with the base (same key, p and events) from the base's evaluation of the block
// instead of drawing them again, so a variant costs less than a separate run of it. The view
// checks are bounded to a fraction of the sampling work.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/exposure.hpp"
#include "datareach/intervals.hpp"
#include "datareach/monte_carlo.hpp"

namespace datareach {

struct ComparisonTable {
    // One per graph, base first: what monte_carlo_exposure gives for that graph with the same
    // options, on the same worlds (by_store / by_region filled when options.places).
    std::vector<ExposureTable> tables;
    std::size_t variants = 0;     // graphs - 1
    std::size_t adversaries = 0;  // per graph
    std::size_t classes = 0;
    // variants x adversaries x classes, row-major (index(v, i, c), v = 0 is graph 1).
    std::vector<double> probability_difference;         // P_v(X > 0) - P_base(X > 0)
    std::vector<double> probability_difference_ci_low;  // Tango's paired score interval
    std::vector<double> probability_difference_ci_high;
    std::vector<double> expected_share_difference;  // E[X_v - X_base]
    std::vector<double> expected_share_difference_ci_low;
    std::vector<double> expected_share_difference_ci_high;
    std::vector<std::uint64_t> base_only;     // n10: worlds exposed in the base, not in the variant
    std::vector<std::uint64_t> variant_only;  // n01: worlds exposed in the variant, not in the base
    // 1 where the adversary's view of the class is the same in both graphs: X equal in every
    // world, differences exactly 0.
    std::vector<std::uint8_t> identical;
    std::uint64_t samples = 0;  // worlds drawn (the same for every graph)
    std::uint64_t seed = 0;
    double max_half_width = 0.0;  // widest probability-difference half-width

    std::size_t index(std::size_t variant, std::size_t adversary, std::size_t cls) const {
        return (variant * adversaries + adversary) * classes + cls;
    }
};

// graphs[0] is the base; every graph has the same classes (count and order) and
// adversaries_per_graph[g] lists, for graph g, the node indices of the same adversaries (the
// same ids, in the same order; indices may differ between graphs). options as for
// monte_carlo_exposure, except that tolerance > 0 stops at the first checkpoint where every
// probability-DIFFERENCE interval has half-width <= tolerance. Deterministic for any thread
// count; progress reports worlds (per graph) done. Throws ModelError for invalid options, no
// graph, a null graph, mismatched class or adversary counts, or an adversary that is not a
// node.
ComparisonTable monte_carlo_compare(const std::vector<const CompiledGraph*>& graphs,
                                    const std::vector<std::vector<NodeIndex>>& adversaries_per_graph,
                                    const MonteCarloOptions& options);

}  // namespace datareach
