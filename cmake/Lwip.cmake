# lwIP, built from source: by default the tree ci/setup unpacks from Debian's
# lwip source package; any other tree works too, such as the one inside a
# CubeMX project:
#
#   cmake --preset qemu -DSHAKEDOWN_LWIP_SOURCE_DIR=$HOME/proj/Middlewares/Third_Party/LwIP
#
# Only the core, IPv4 and Ethernet sources are used (NO_SYS, raw API); the
# options come from firmware/lwip/lwipopts.h, never from an edited upstream file.

set(SHAKEDOWN_LWIP_SOURCE_DIR "${SHAKEDOWN_SOURCE_CACHE}/lwip-2.1"
    CACHE PATH "lwIP source tree (with src/core, src/include)")

# shakedown_lwip(<options_dir> <out_target> [VARIANT <name> DEFINITIONS <d>...]):
# the static library lwip (or lwip-<name>), its options and arch headers from
# <options_dir>; a variant's definitions override lwipopts.h's #ifndef'd
# defaults (e.g. DHCP on a board), for lwIP and everything linking it.
function(shakedown_lwip options_dir out_target)
  cmake_parse_arguments(arg "" "VARIANT" "DEFINITIONS" ${ARGN})
  set(lib lwip)
  if(arg_VARIANT)
    set(lib lwip-${arg_VARIANT})
  endif()
  set(${out_target} ${lib} PARENT_SCOPE)
  if(TARGET ${lib})
    return()
  endif()
  set(dir "${SHAKEDOWN_LWIP_SOURCE_DIR}")
  if(NOT EXISTS "${dir}/src/core/tcp.c" OR NOT EXISTS "${dir}/src/include/lwip/init.h")
    message(FATAL_ERROR
      "${dir}: not an lwIP source tree (no src/core/tcp.c or src/include/lwip/init.h). "
      "Run ci/setup, or point SHAKEDOWN_LWIP_SOURCE_DIR at a tree with src/core and src/include.")
  endif()
  file(STRINGS "${dir}/src/include/lwip/init.h" found REGEX "^#define LWIP_VERSION_(MAJOR|MINOR|REVISION) ")
  string(REGEX REPLACE "[^;]*LWIP_VERSION_[A-Z]+ +([0-9]+)U?[^;]*" "\\1" version "${found}")
  string(REPLACE ";" "." version "${version}")
  message(STATUS "shakedown: lwIP ${version} from ${dir}")

  file(GLOB core_sources "${dir}/src/core/*.c")
  file(GLOB ipv4_sources "${dir}/src/core/ipv4/*.c")
  add_library(${lib} STATIC ${core_sources} ${ipv4_sources} "${dir}/src/netif/ethernet.c")
  target_include_directories(${lib} SYSTEM PUBLIC "${dir}/src/include" "${options_dir}")
  target_compile_definitions(${lib} PUBLIC ${arg_DEFINITIONS})
  # Upstream code builds with upstream's expectations, not our warning set.
  target_compile_options(${lib} PRIVATE -w)
  set_property(GLOBAL PROPERTY SHAKEDOWN_LWIP_VERSION "${version}")
endfunction()
