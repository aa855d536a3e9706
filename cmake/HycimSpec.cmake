# Generates the C++ header, Verilog package and config list from spec/hycim.json
# at configure time; editing the spec or the generator re-runs CMake.
set(HYCIM_SPEC_JSON ${CMAKE_SOURCE_DIR}/spec/hycim.json)
set(HYCIM_GEN_SPEC ${CMAKE_SOURCE_DIR}/scripts/gen_spec.py)
set(HYCIM_GENERATED_DIR ${CMAKE_BINARY_DIR}/generated)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${HYCIM_SPEC_JSON} ${HYCIM_GEN_SPEC})
execute_process(
  COMMAND ${Python3_EXECUTABLE} ${HYCIM_GEN_SPEC} ${HYCIM_SPEC_JSON} --out-dir ${HYCIM_GENERATED_DIR}
  RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "scripts/gen_spec.py failed on spec/hycim.json")
endif()
include(${HYCIM_GENERATED_DIR}/tile_configs.cmake)

add_library(hycim_spec INTERFACE)
add_library(hycim::spec ALIAS hycim_spec)
target_include_directories(hycim_spec INTERFACE $<BUILD_INTERFACE:${HYCIM_GENERATED_DIR}/include>
                                                $<INSTALL_INTERFACE:include/hycim>)
set_target_properties(hycim_spec PROPERTIES EXPORT_NAME spec)
