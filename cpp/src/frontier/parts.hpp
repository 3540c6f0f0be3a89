// Independent parts of a frontier pass (docs/design.md §8, decision 52). Two arcs are in the
// same part when they share a node other than the adversary or a random variable (an arc's
// coin or a shared event), directly or through other arcs. Parts then share no random
// variable, so their worlds are independent, and they meet only at the adversary, which is
// reached in every world: whether a target is reached through one part does not depend on the
// others. A pass over several parts is therefore one pass per part, combined exactly
// (frontier.cpp), and the width that decides the method is the widest part's, not the sum
// the parts would give interleaved in one arc order.
#pragma once

#include <vector>

#include "../exact/pruning.hpp"

namespace datareach::frontier {

// The arcs of `order` (local arcs of `run`) grouped into independent parts, each part's arcs
// in the order they have in `order`, the parts by their first arc. Arcs into the adversary
// (local node 0) are left out: it is reached in every world, so they change nothing. Each
// entry of `joins` (local nodes) puts the parts holding its nodes together: a composite's atom
// is covered when a node of it is reached in any part, so the parts it spans are one search.
std::vector<std::vector<int>> independent_parts(const exact::PrunedRun& run, const std::vector<int>& order,
                                                const std::vector<std::vector<int>>& joins = {});

}  // namespace datareach::frontier
