// numpy arrays to and from the runtime's tensors. A tensor owns a
// std::vector, so an input array is copied once into it (any strides, any
// C-contiguity; the element type must be one hycim runs, never converted
// silently); an output tensor's vector is handed to numpy without a copy
// (the array keeps it alive through a capsule). bool is the exception both
// ways: std::vector<bool> is packed, so it is unpacked into bytes.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>

#include "runtime/onnx/tensor.hpp"

namespace hycim::python {

namespace py = pybind11;

// Throws py::type_error naming `what` and the array's dtype when hycim has no
// such element type (float16, complex, object, ...).
runtime::Tensor tensor_from_array(const py::array& a, const std::string& what);
py::array array_from_tensor(runtime::Tensor&& t);
// Bytes moved into a 1-D uint8 array without a copy.
py::array array_from_bytes(std::vector<std::byte>&& bytes);

}  // namespace hycim::python
