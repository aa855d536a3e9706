// `hycim --version`: the device spec this binary speaks and what built it.
#pragma once
#include <string>

namespace hycim::cli {

// "hycim 0.1.0 (git ...)\nspec 2.0 ...\nbuild ..." without a final newline.
std::string version_text();

}  // namespace hycim::cli
