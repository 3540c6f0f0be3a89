// Where a comparison needs no sampling at all: when an adversary's view of a class is the
// same in the base and in a variant, X is equal in every world and the difference is exactly
// 0 with a zero-width interval. Proving it is a bounded search, so it never costs more than
// a fraction of the sampling it can save.
#pragma once

#include <cstdint>
#include <vector>

#include "datareach/compiled_graph.hpp"

namespace datareach::comparison {

// Per variant, adversary and class (row-major): 1 if the adversary's view of the class is the
// same in the variant as in the base. The searches are bounded so that they cost a fraction
// of the sampling (`blocks` blocks per graph); past the bound the answer is "not the same".
std::vector<std::uint8_t> identical_views(const std::vector<const CompiledGraph*>& graphs,
                                          const std::vector<std::vector<NodeIndex>>& adversaries, std::uint64_t blocks);

}  // namespace datareach::comparison
