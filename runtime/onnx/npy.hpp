// NumPy .npy files (format versions 1-3, C order, little-endian float32,
// uint8, int8, int32, int64): model inputs and outputs for `hycim run`, test
// sets for `hycim classify`.
#pragma once
#include <string>

#include "runtime/onnx/tensor.hpp"

namespace hycim::runtime {

// Throws RuntimeError naming the file and what is wrong with it.
Tensor read_npy(const std::string& path);
void write_npy(const std::string& path, const Tensor& t);

// A .npy or a TensorProto .pb file, by extension.
Tensor read_tensor_file(const std::string& path, std::string* name = nullptr);
void write_tensor_file(const std::string& path, const Tensor& t, const std::string& name);

}  // namespace hycim::runtime
