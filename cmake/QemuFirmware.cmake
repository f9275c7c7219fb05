# The firmware images, cross-built inside the host build (as preset qemu
# would build them) so `--target qemu` and the QEMU tests always run the
# revision this tree holds. The NUCLEO-F429ZI's images are built here too
# (firmware-nucleo-f429zi-*.elf/.bin beside QEMU's), so CI checks they
# compile and fit the part. Needs gcc-arm-none-eabi (ci/setup installs
# it); without it the images come from a separate preset qemu build.

find_program(SHAKEDOWN_ARM_GXX arm-none-eabi-g++)
if(SHAKEDOWN_ARM_GXX)
  set(_firmware_default ON)
else()
  set(_firmware_default OFF)
endif()
option(SHAKEDOWN_BUILD_QEMU_FIRMWARE "Cross-build the QEMU firmware images inside the host build" ${_firmware_default})

if(SHAKEDOWN_BUILD_QEMU_FIRMWARE)
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
