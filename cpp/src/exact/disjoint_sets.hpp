// Disjoint sets of the integers 0 .. n - 1 (union-find with path halving), for splitting a
// problem into independent pieces: the exact plan's runs and the frontier method's parts.
#pragma once

#include <numeric>
#include <vector>

namespace datareach::exact {

class DisjointSets {
public:
    explicit DisjointSets(std::size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }

    std::size_t size() const { return parent_.size(); }

    // The representative of x's set.
    int find(int x) {
        while (parent_[x] != x) {
            parent_[x] = parent_[parent_[x]];
            x = parent_[x];
        }
        return x;
    }

    // Merges the sets of a and b; b's representative represents both.
    void join(int a, int b) { parent_[find(a)] = find(b); }

private:
    std::vector<int> parent_;
};

}  // namespace datareach::exact
