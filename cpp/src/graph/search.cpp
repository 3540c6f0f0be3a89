// The stamped marks of NodeSearch (datareach/search.hpp): restarting a search is one
// increment, and a full clear only once every 2^32 - 1 restarts.
#include "datareach/search.hpp"

#include <algorithm>

namespace datareach {

void NodeSearch::restart() {
    if (++stamp_ == 0) {
        std::fill(stamp_of_.begin(), stamp_of_.end(), 0);
        stamp_ = 1;
    }
    queue_.clear();
    head_ = 0;
}

}  // namespace datareach
