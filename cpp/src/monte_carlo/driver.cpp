// Scheduling helpers of the block driver (see driver.hpp) and option checks.
#include "driver.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "datareach/errors.hpp"

namespace datareach::monte_carlo::detail {

std::vector<std::uint64_t> checkpoint_blocks(std::uint64_t total_blocks, std::uint64_t block_worlds, bool tolerance) {
    std::vector<std::uint64_t> out;
    if (tolerance) {
        const std::uint64_t unit = 4096;
        for (std::uint64_t worlds = unit; worlds / block_worlds < total_blocks;) {
            out.push_back(worlds / block_worlds);
            const std::uint64_t step = std::max(unit, worlds / 4 / unit * unit);
            if (worlds > std::numeric_limits<std::uint64_t>::max() - step) break;
            worlds += step;
        }
    }
    out.push_back(total_blocks);
    return out;
}

Tally sum_counts(const std::vector<std::unique_ptr<Tallies>>& spaces, std::size_t size) {
    Tally t;
    t.counts.assign(size, 0);
    for (const auto& ws : spaces) {
        if (!ws) continue;
        for (std::size_t k = 0; k < size; ++k) t.counts[k] += ws->counts[k];
        t.blocks += ws->blocks_done;
    }
    return t;
}

void check_options(const MonteCarloOptions& options) {
    if (options.samples == 0) throw ModelError("samples: must be > 0");
    if (options.samples > (std::uint64_t{1} << 62)) throw ModelError("samples: must be at most 2^62");
    if (!(options.tolerance >= 0.0) || std::isinf(options.tolerance))
        throw ModelError("tolerance: must be a finite number >= 0, got " + std::to_string(options.tolerance));
    if (options.threads > 1024) throw ModelError("threads: at most 1024, got " + std::to_string(options.threads));
    if (!(options.confidence > 0.0 && options.confidence < 1.0))
        throw ModelError("confidence: must lie in (0, 1), got " + std::to_string(options.confidence));
    if (options.block_words != 0 && options.block_words != 1 && options.block_words != 2 && options.block_words != 4 &&
        options.block_words != 8)
        throw ModelError("block_words: must be 0 (auto), 1, 2, 4 or 8, got " + std::to_string(options.block_words));
}

unsigned block_words_for(std::size_t channels, std::size_t arcs, const MonteCarloOptions& options) {
    if (options.block_words) return options.block_words;
    unsigned words = 8;
    while (words > 1 && (channels * words > kRecordWords || arcs * words > kMaxLiveWords)) words /= 2;
    return words;
}

}  // namespace datareach::monte_carlo::detail
