// The one exception of the NVM image layer. Its message always names the image
// file and, where one block is at fault, the block ("header", "tile 2 row 17"),
// because the user's next step is to look at that file.
#pragma once
#include <stdexcept>
#include <string>

namespace hycim::nvm {

struct NvmImageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace hycim::nvm
