// libFuzzer target: the tensor files `hycim run -i` and the ONNX conformance
// cases read (runtime/onnx/npy.hpp read_tensor_file): .npy and TensorProto
// .pb. A refusal must be a RuntimeError with a message; a tensor read must
// have as many elements as its shape says, and write back to a file that
// reads as the same tensor (compared as the bytes written, so NaNs compare).
//
// Input: a selector byte (bit 0: .pb, else .npy), then the file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "runtime/onnx/error.hpp"
#include "runtime/onnx/npy.hpp"
#include "runtime/onnx/tensor.hpp"
#include "tests/fuzz/scratch_directory.hpp"

namespace {

using namespace hycim::runtime;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "tensor_file_fuzz: %s\n", what);
  std::abort();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // memfd paths have no extension, and the reader picks the format by it.
  static const std::string dir = hycim::fuzz::scratch_directory("tensor_file_fuzz");
  if (size == 0) return 0;
  const std::string ext = (data[0] & 1) ? ".pb" : ".npy";
  const std::string in = dir + "/in" + ext, out = dir + "/out" + ext, again = dir + "/again" + ext;
  {
    std::ofstream f(in, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  static const bool verbose = std::getenv("HYCIM_FUZZ_VERBOSE") != nullptr;
  Tensor t;
  std::string name;
  try {
    t = read_tensor_file(in, &name);
  } catch (const RuntimeError& e) {
    if (e.what()[0] == '\0') fail("refused without a message");
    if (verbose) std::fprintf(stderr, "refused: %s\n", e.what());
    return 0;
  }
  if (verbose)
    std::fprintf(stderr, "read: %s %s\n", to_string(t.dtype()), shape_string(t.shape()).c_str());
  for (int64_t d : t.shape())
    if (d < 0) fail("a tensor with a negative dimension");
  if (t.size() > 0) (void)t.as_double(t.size() - 1);
  write_tensor_file(out, t, name);
  std::string back_name;
  const Tensor back = read_tensor_file(out, &back_name);
  if (back.dtype() != t.dtype() || back.shape() != t.shape() || back_name != name)
    fail("a tensor written back reads as another");
  write_tensor_file(again, back, back_name);
  if (slurp(again) != slurp(out)) fail("a tensor written back reads other values");
  return 0;
}
