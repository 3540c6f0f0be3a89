// The one error type of the core: the model (or a request against it) is wrong. The message
// names the entry and field the way a scenario file does, e.g. "access[3].p: must lie in
// [0, 1], got 1.5".
#pragma once

#include <stdexcept>
#include <string>

namespace datareach {

class ModelError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

}  // namespace datareach
