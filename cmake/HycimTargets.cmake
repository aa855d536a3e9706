# Helpers that give every hycim target the same warnings, sanitizers and test
# registration, so component CMakeLists stay a few lines long.

set(HYCIM_WARNINGS -Wall -Wextra)
if(HYCIM_WERROR)
  list(APPEND HYCIM_WARNINGS -Werror)
endif()
if(HYCIM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# Our own code: all warnings, errors under HYCIM_WERROR. (Generated Verilator
# code is not ours.)
function(hycim_warnings target)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${HYCIM_WARNINGS}>)
endfunction()

# hycim_add_library(NAME SOURCES... [LIBS ...]) -> target NAME, alias hycim::NAME
# without the hycim_ prefix. Every library registers itself so the CLI can link
# all of them.
function(hycim_add_library name)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS;PUBLIC_INCLUDE" ${ARGN})
  add_library(${name} STATIC ${A_SOURCES})
  string(REGEX REPLACE "^hycim_" "" short ${name})
  add_library(hycim::${short} ALIAS ${name})
  target_link_libraries(${name} PUBLIC ${A_LIBS})
  if(A_PUBLIC_INCLUDE)
    target_include_directories(${name} PUBLIC ${A_PUBLIC_INCLUDE})
  else()
    # Headers are included by their path in the tree ("driver/driver.hpp"),
    # in the source tree and under include/hycim of an installed package.
    target_include_directories(${name} PUBLIC $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}>
                                              $<INSTALL_INTERFACE:include/hycim>)
  endif()
  # Exported (cmake/HycimInstall.cmake) as hycim::<short name>.
  set_target_properties(${name} PROPERTIES EXPORT_NAME ${short})
  hycim_warnings(${name})
  set_property(GLOBAL APPEND PROPERTY HYCIM_LIBRARIES ${name})
endfunction()

# hycim_add_gtest(NAME SOURCES... LIBS... [LABELS unit;rtl;...] [TIMEOUT s])
# Labels: unit (fast, also run under ASan+UBSan), rtl (needs Verilated RTL),
# integration, conformance, slow.
function(hycim_add_gtest name)
  cmake_parse_arguments(A "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR})
  hycim_warnings(${name})
  # GoogleTest and GoogleMock are parsed once per test binary, not per file.
  target_precompile_headers(${name} PRIVATE <gmock/gmock.h> <gtest/gtest.h>)
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 300)
  endif()
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS "${A_LABELS}" TIMEOUT ${A_TIMEOUT})
endfunction()
