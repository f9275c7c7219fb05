# The firmware images, cross-built inside the host build (as preset qemu
# would build them) so `--target qemu` and the QEMU tests always run the
# revision this tree holds. The NUCLEO-F429ZI's images are built here too
# (firmware-nucleo-f429zi-*.elf/.bin beside QEMU's), so CI checks they
# compile and fit the part. Needs gcc-arm-none-eabi (ci/setup installs
# it); without it the images come from a separate preset qemu build.

# AUTO (the default) builds them when the toolchain is there, decided at
# every configure: a build dir first configured before ci/setup installed
# the toolchain (ci/demo's) then takes the images up once it is.
set(SHAKEDOWN_BUILD_QEMU_FIRMWARE AUTO CACHE STRING
    "Cross-build the QEMU firmware images inside the host build (ON, OFF or AUTO: when arm-none-eabi-g++ is found)")
set_property(CACHE SHAKEDOWN_BUILD_QEMU_FIRMWARE PROPERTY STRINGS AUTO ON OFF)
if(SHAKEDOWN_BUILD_QEMU_FIRMWARE STREQUAL "AUTO")
  unset(SHAKEDOWN_ARM_GXX CACHE)  # look again: it may have been installed since
  find_program(SHAKEDOWN_ARM_GXX arm-none-eabi-g++)
  set(_build_qemu_firmware OFF)
  if(SHAKEDOWN_ARM_GXX)
    set(_build_qemu_firmware ON)
  endif()
else()
  set(_build_qemu_firmware ${SHAKEDOWN_BUILD_QEMU_FIRMWARE})
endif()

if(_build_qemu_firmware)
  include(ExternalProject)
  set(_firmware_build_dir ${CMAKE_BINARY_DIR}/firmware-qemu)
  set(SHAKEDOWN_QEMU_FIRMWARE_DIR "${_firmware_build_dir}/bin" CACHE PATH
      "Firmware images for the qemu target")
  ExternalProject_Add(firmware-qemu
    SOURCE_DIR ${PROJECT_SOURCE_DIR}
    BINARY_DIR ${_firmware_build_dir}
    CMAKE_GENERATOR ${CMAKE_GENERATOR}
    CMAKE_CACHE_ARGS
      -DCMAKE_TOOLCHAIN_FILE:FILEPATH=${PROJECT_SOURCE_DIR}/cmake/arm-none-eabi.cmake
      -DCMAKE_BUILD_TYPE:STRING=MinSizeRel
      -DSHAKEDOWN_WERROR:BOOL=${SHAKEDOWN_WERROR}
      -DSHAKEDOWN_SOURCE_CACHE:PATH=${SHAKEDOWN_SOURCE_CACHE}
      -DSHAKEDOWN_MBEDTLS_SOURCE_DIRS:STRING=${SHAKEDOWN_MBEDTLS_SOURCE_DIRS}
      -DSHAKEDOWN_PROFILES:STRING=${SHAKEDOWN_PROFILES}
      # A new revision reconfigures the images too, so their banners name it.
      -DSHAKEDOWN_OUTER_BUILD_ID:STRING=${SHAKEDOWN_BUILD_ID}
      # The outer build's compiler launcher (ccache), if any.
      -DCMAKE_C_COMPILER_LAUNCHER:STRING=${CMAKE_C_COMPILER_LAUNCHER}
      -DCMAKE_CXX_COMPILER_LAUNCHER:STRING=${CMAKE_CXX_COMPILER_LAUNCHER}
    INSTALL_COMMAND ""
    BUILD_ALWAYS ON  # the sources are ours: let the inner build decide what changed
    USES_TERMINAL_BUILD ON)
else()
  set(SHAKEDOWN_QEMU_FIRMWARE_DIR "${PROJECT_SOURCE_DIR}/build-qemu/bin" CACHE PATH
      "Firmware images for the qemu target (preset qemu's bin/)")
endif()
