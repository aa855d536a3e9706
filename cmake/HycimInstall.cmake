# The installable package: `cmake --install build --prefix P` gives
#   P/bin/hycim, P/bin/hycimd
#   P/include/hycim/...           headers by their tree path ("driver/driver.hpp",
#                                 generated "hycim/spec/device_spec.hpp")
#   P/lib/libhycim_driver.so      the C driver, no simulator; libhycim_sim.so beside it
#   P/lib/libhycim_*.a            the static libraries below
#   P/lib/cmake/hycim/hycimConfig.cmake  exporting hycim::driver (C++ API),
#                                 hycim::driver_sim (sim://), hycim::device (the
#                                 SystemC device), hycim::device_core, hycim::runtime
#   P/lib/pkgconfig/hycim-driver.pc      for C users of libhycim_driver.so
# tests/install builds an outside project against it.
include(CMakePackageConfigHelpers)

set(_hycim_exported hycim_spec hycim_tile hycim_nvm hycim_tech hycim_device_core hycim_device hycim_driver
    hycim_driver_sim hycim_cim hycim_runtime)
if(TARGET hycim_rtl_tile)
  list(APPEND _hycim_exported hycim_rtl_tile hycim_rtl_verilated hycim_verilator_harness)
endif()
install(TARGETS ${_hycim_exported} EXPORT hycimTargets ARCHIVE DESTINATION lib
        LIBRARY DESTINATION lib)
install(EXPORT hycimTargets NAMESPACE hycim:: DESTINATION lib/cmake/hycim)

# Headers of the exported layers, at their tree paths, and the generated spec.
foreach(_dir driver sim runtime)
  install(DIRECTORY ${CMAKE_SOURCE_DIR}/${_dir}/ DESTINATION include/hycim/${_dir}
          FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h")
endforeach()
install(DIRECTORY ${HYCIM_GENERATED_DIR}/include/ DESTINATION include/hycim)

configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/hycimConfig.cmake.in
  ${CMAKE_BINARY_DIR}/hycimConfig.cmake INSTALL_DESTINATION lib/cmake/hycim)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/hycimConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/hycimConfig.cmake ${CMAKE_BINARY_DIR}/hycimConfigVersion.cmake
        DESTINATION lib/cmake/hycim)

configure_file(${CMAKE_SOURCE_DIR}/cmake/hycim-driver.pc.in ${CMAKE_BINARY_DIR}/hycim-driver.pc
               @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/hycim-driver.pc DESTINATION lib/pkgconfig)
