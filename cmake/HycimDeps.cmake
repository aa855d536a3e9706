# Every third-party package hycim uses, found once. scripts/install-deps.sh
# installs them from Debian.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(CLI11 QUIET CONFIG)
if(NOT TARGET CLI11::CLI11)
  # Debian's libcli11-dev ships a header and a pkg-config file.
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
endif()
# Debian's interpreter: the one with numpy, onnx and torch (the python3 first
# on PATH may be another), and the one the Python package is built for.
if(NOT DEFINED Python3_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(Python3_EXECUTABLE /usr/bin/python3)
endif()
set(_hycim_python_components Interpreter)
if(HYCIM_BUILD_PYTHON)
  list(APPEND _hycim_python_components Development.Module)
endif()
find_package(Python3 REQUIRED COMPONENTS ${_hycim_python_components})

pkg_check_modules(SYSTEMC REQUIRED IMPORTED_TARGET systemc)
# SystemC 2.3.4 from Debian is built as C++17; its headers pick an ABI symbol by
# __cplusplus unless told, so every user says which one it was built with.
set(HYCIM_SYSTEMC_DEFS SC_CPLUSPLUS=201703L)

if(HYCIM_WITH_RTL)
  find_package(verilator REQUIRED HINTS /usr/share/verilator)
  # Verilator's CMake package finds SystemC through these variables.
  set(SYSTEMC_INCLUDE /usr/include CACHE PATH "")
  set(SYSTEMC_LIBDIR /usr/lib/x86_64-linux-gnu CACHE PATH "")
endif()

set(HYCIM_HAVE_CUDA OFF)
if(HYCIM_WITH_CUDA AND CMAKE_CUDA_COMPILER AND EXISTS ${CMAKE_CUDA_COMPILER})
  enable_language(CUDA)
  # nvcc 13 speaks C++20, but CMake 3.25 does not know its flag for it.
  set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
  set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
  set(CMAKE_CUDA_STANDARD 20)
  find_package(CUDAToolkit REQUIRED)
  set(HYCIM_HAVE_CUDA ON)
endif()
message(STATUS "hycim: CUDA kernels ${HYCIM_HAVE_CUDA}, RTL ${HYCIM_WITH_RTL}, sanitizers ${HYCIM_SANITIZE}")
