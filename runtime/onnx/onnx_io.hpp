// ONNX files in and out: models (checked by the ONNX checker and shape
// inference before the runtime looks at them) and TensorProto .pb tensors, as
// the ONNX backend-test folders store them.
#pragma once
#include <map>
#include <string>

#include "runtime/onnx/graph.hpp"

namespace hycim::runtime {

// Reads, checks and shape-infers `path`. Throws RuntimeError naming the file
// and the problem (unreadable, not a protobuf, checker or inference failure,
// an element type hycim does not run).
Graph load_model(const std::string& path);
// The same for a model held in memory; `source` names it in messages.
Graph load_model_bytes(const std::string& bytes, const std::string& source = "<model bytes>");

// Copies `path` to `out_path` with metadata_props[key] set to value (other
// entries kept): how calibrated ranges travel with a model.
void save_model_with_metadata(const std::string& path, const std::string& out_path,
                              const std::map<std::string, std::string>& metadata);
// The same for a model held in memory: its bytes with the entries set.
std::string model_bytes_with_metadata(const std::string& bytes, const std::string& source,
                                      const std::map<std::string, std::string>& metadata);

// A TensorProto file; `name` receives the tensor's name when given.
Tensor read_tensor_pb(const std::string& path, std::string* name = nullptr);
void write_tensor_pb(const std::string& path, const Tensor& t, const std::string& name);

}  // namespace hycim::runtime
