# libFuzzer targets. libFuzzer comes with clang, and the project compiler is
# usually g++, so a fuzzer is not a CMake target of the project's toolchain:
# its sources (the harness and the parser sources it exercises, instrumented
# for coverage, ASan and UBSan) are compiled by clang++ with one custom
# command per object and linked by another. That costs no second configure;
# objects of a source listed by several fuzzers of one directory are built
# once. Code outside the parsers comes from the project's own (g++-built,
# uninstrumented) static libraries and system libraries, linked as files.
#
# Without clang++ (the project compiler, else clang++ from PATH), with
# HYCIM_BUILD_FUZZERS=OFF, or in a HYCIM_SANITIZE build (its libraries carry
# g++'s ASan runtime, which does not mix with clang's in one binary; that
# build runs the unit tests only) no fuzzer is built and no fuzz test added.
#
# Included by each directory that adds fuzzers: the variables below are
# directory-scoped, so every inclusion sets them again.
option(HYCIM_BUILD_FUZZERS "Build the libFuzzer targets (needs clang++)" ON)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  set(HYCIM_FUZZ_CXX ${CMAKE_CXX_COMPILER})
else()
  find_program(HYCIM_CLANGXX NAMES clang++ clang++-14)
  set(HYCIM_FUZZ_CXX ${HYCIM_CLANGXX})
endif()
set(HYCIM_HAVE_FUZZERS OFF)
if(HYCIM_BUILD_FUZZERS AND HYCIM_FUZZ_CXX AND NOT HYCIM_SANITIZE)
  set(HYCIM_HAVE_FUZZERS ON)
endif()

# Every fuzzer of the build, one line each (name, binary, seed corpus,
# run arguments), for scripts/fuzz.sh.
set(HYCIM_FUZZ_MANIFEST ${CMAKE_BINARY_DIR}/fuzzers.txt)
get_property(_hycim_fuzz_listed GLOBAL PROPERTY HYCIM_FUZZ_MANIFEST_STARTED)
if(NOT _hycim_fuzz_listed)
  file(WRITE ${HYCIM_FUZZ_MANIFEST} "")
  set_property(GLOBAL PROPERTY HYCIM_FUZZ_MANIFEST_STARTED ON)
endif()

# -O1 and line tables only: fast enough to fuzz, cheapest to compile, and
# still symbolized stack traces. UB aborts like a crash (libFuzzer would only
# print a recovered report and carry on).
set(HYCIM_FUZZ_FLAGS -std=c++20 -O1 -gline-tables-only -fno-omit-frame-pointer
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -Wall -Wextra)
if(HYCIM_WERROR)
  list(APPEND HYCIM_FUZZ_FLAGS -Werror)
endif()

# hycim_add_fuzzer(NAME <binary> TEST <ctest name> SOURCES <.cpp>...
#                  [CORPUS <dir>] [ARGS <libFuzzer flags>...] [BOUND <libFuzzer flags>...]
#                  [DEFINES <-D...>...] [LIBS <files or generator expressions>...]
#                  [DEPENDS <targets>...])
# Builds bin/<binary> in the current binary directory (target <binary>, part of
# ALL) and adds <ctest name>: a run over the seeds of CORPUS with ARGS (the
# target's own limits: -max_len, memory) and BOUND (how long the test runs:
# -runs, -max_total_time), labels fuzz and integration.
function(hycim_add_fuzzer)
  if(NOT HYCIM_HAVE_FUZZERS)
    return()
  endif()
  cmake_parse_arguments(F "" "NAME;TEST;CORPUS" "SOURCES;ARGS;BOUND;DEFINES;LIBS;DEPENDS" ${ARGN})
  get_target_property(_fmt_defs fmt::fmt INTERFACE_COMPILE_DEFINITIONS)
  set(_defs ${F_DEFINES})
  foreach(_d ${_fmt_defs})
    list(APPEND _defs -D${_d})
  endforeach()
  set(_objects)
  foreach(_src ${F_SOURCES})
    file(RELATIVE_PATH _rel ${CMAKE_SOURCE_DIR} ${_src})
    if(_rel MATCHES "^\\.\\.")
      file(RELATIVE_PATH _rel ${CMAKE_BINARY_DIR} ${_src})
    endif()
    string(MAKE_C_IDENTIFIER "${_rel}" _id)
    set(_obj ${CMAKE_CURRENT_BINARY_DIR}/objects/${_id}.o)
    get_property(_done DIRECTORY PROPERTY HYCIM_FUZZ_OBJECTS)
    if(NOT _obj IN_LIST _done)
      add_custom_command(OUTPUT ${_obj}
        COMMAND ${HYCIM_FUZZ_CXX} ${HYCIM_FUZZ_FLAGS} ${_defs} -I${CMAKE_SOURCE_DIR}
                -I${HYCIM_GENERATED_DIR}/include -MD -MF ${_obj}.d -c ${_src} -o ${_obj}
        DEPENDS ${_src}
        DEPFILE ${_obj}.d
        COMMENT "Compiling ${_rel} for the fuzzers (clang++)"
        VERBATIM)
      set_property(DIRECTORY APPEND PROPERTY HYCIM_FUZZ_OBJECTS ${_obj})
    endif()
    list(APPEND _objects ${_obj})
  endforeach()
  set(_bin ${CMAKE_CURRENT_BINARY_DIR}/bin/${F_NAME})
  set(_dep_files)
  foreach(_t ${F_DEPENDS})
    list(APPEND _dep_files $<TARGET_FILE:${_t}>)
  endforeach()
  add_custom_command(OUTPUT ${_bin}
    COMMAND ${HYCIM_FUZZ_CXX} -fsanitize=fuzzer,address,undefined ${_objects} ${F_LIBS}
            -o ${_bin}
    DEPENDS ${_objects} ${_dep_files}
    COMMENT "Linking fuzzer ${F_NAME} (clang++)"
    VERBATIM COMMAND_EXPAND_LISTS)
  add_custom_target(${F_NAME} ALL DEPENDS ${_bin})
  if(F_DEPENDS)
    add_dependencies(${F_NAME} ${F_DEPENDS})
  endif()
  # libFuzzer writes what it finds into its first corpus directory: the
  # test gives it a fresh empty one before the seeds, so the committed seeds
  # are only read and every run starts from them alone (scripts/fuzz.sh keeps
  # a working corpus outside the tree). Crash inputs land in the test's
  # working directory.
  add_test(NAME ${F_TEST}
    COMMAND sh -c "d=$(mktemp -d) && \"$0\" \"$@\" \"$d\" ${F_CORPUS}; rc=$?; rm -rf \"$d\"; exit $rc"
            ${_bin} ${F_ARGS} ${F_BOUND})
  set_tests_properties(${F_TEST} PROPERTIES LABELS "fuzz;integration" TIMEOUT 120)
  string(REPLACE ";" " " _args "${F_ARGS}")
  file(APPEND ${HYCIM_FUZZ_MANIFEST} "${F_NAME}\t${_bin}\t${F_CORPUS}\t${_args}\n")
endfunction()
