# Mbed TLS, built from source once per (Mbed TLS line, config profile, platform).
#
# A line is a source tree: by default the 3.6 LTS and 2.28 LTS trees that
# ci/setup unpacks from Debian source packages; any other tree works too, such
# as the Mbed TLS inside a CubeMX project:
#
#   cmake --preset sim -DSHAKEDOWN_MBEDTLS_SOURCE_DIRS=$HOME/proj/Middlewares/Third_Party/mbedTLS
#
# The line's name is the tree's own major.minor version. A profile is a
# user-config delta (firmware/configs/<profile>.h) over that tree's defaults;
# a platform delta (firmware/configs/platform/<platform>.h) adds the seams a
# kind of target needs. Both go in through MBEDTLS_USER_CONFIG_FILE, so no
# upstream file is ever edited.

# ci/setup's default, shared by every clone on the machine.
if(DEFINED ENV{SHAKEDOWN_SOURCE_CACHE})
  set(_default_cache "$ENV{SHAKEDOWN_SOURCE_CACHE}")
elseif(DEFINED ENV{XDG_CACHE_HOME})
  set(_default_cache "$ENV{XDG_CACHE_HOME}/shakedown/sources")
else()
  set(_default_cache "$ENV{HOME}/.cache/shakedown/sources")
endif()
set(SHAKEDOWN_SOURCE_CACHE "${_default_cache}" CACHE PATH "Where ci/setup unpacks upstream sources")
set(SHAKEDOWN_MBEDTLS_SOURCE_DIRS
    "${SHAKEDOWN_SOURCE_CACHE}/mbedtls-3.6;${SHAKEDOWN_SOURCE_CACHE}/mbedtls-2.28"
    CACHE STRING "Mbed TLS source trees to build against; each becomes a line named by its version")
set(SHAKEDOWN_PROFILES "" CACHE STRING
    "Config profiles to build (names of firmware/configs/*.h); empty builds all")

set(SHAKEDOWN_CONFIGS_DIR "${PROJECT_SOURCE_DIR}/firmware/configs")

# Reads MBEDTLS_VERSION_STRING from a source tree (3.x: build_info.h, 2.x: version.h).
function(_shakedown_mbedtls_version dir out_var)
  foreach(header build_info.h version.h)
    set(path "${dir}/include/mbedtls/${header}")
    if(EXISTS "${path}")
      file(STRINGS "${path}" found REGEX "^#define MBEDTLS_VERSION_STRING +\"[0-9.]+\"")
      if(found)
        string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" version "${found}")
        set(${out_var} "${version}" PARENT_SCOPE)
        return()
      endif()
    endif()
  endforeach()
  message(FATAL_ERROR
    "${dir}: not an Mbed TLS source tree (no MBEDTLS_VERSION_STRING in include/mbedtls/). "
    "Run ci/setup, or point SHAKEDOWN_MBEDTLS_SOURCE_DIRS at a tree with include/ and library/.")
endfunction()

# Discovers the lines. Sets SHAKEDOWN_MBEDTLS_LINES and, per line,
# SHAKEDOWN_MBEDTLS_<line>_DIR / _VERSION as global properties.
function(shakedown_discover_mbedtls)
  set(lines "")
  foreach(dir IN LISTS SHAKEDOWN_MBEDTLS_SOURCE_DIRS)
    get_filename_component(dir "${dir}" ABSOLUTE)
    _shakedown_mbedtls_version("${dir}" version)
    string(REGEX MATCH "^[0-9]+\\.[0-9]+" line "${version}")
    if(line IN_LIST lines)
      message(FATAL_ERROR "SHAKEDOWN_MBEDTLS_SOURCE_DIRS names two ${line} trees; keep one per line")
    endif()
    list(APPEND lines "${line}")
    set_property(GLOBAL PROPERTY SHAKEDOWN_MBEDTLS_${line}_DIR "${dir}")
    set_property(GLOBAL PROPERTY SHAKEDOWN_MBEDTLS_${line}_VERSION "${version}")
    message(STATUS "shakedown: Mbed TLS ${line} line: ${version} from ${dir}")
  endforeach()
  set_property(GLOBAL PROPERTY SHAKEDOWN_MBEDTLS_LINES "${lines}")
endfunction()

# shakedown_mbedtls_source_dir(<line> <out_var>): the source tree of a line
# that shakedown_discover_mbedtls() found; a configure error if there is none.
function(shakedown_mbedtls_source_dir line out_var)
  get_property(dir GLOBAL PROPERTY SHAKEDOWN_MBEDTLS_${line}_DIR)
  if(NOT dir)
    message(FATAL_ERROR "No Mbed TLS ${line} line among SHAKEDOWN_MBEDTLS_SOURCE_DIRS")
  endif()
  set(${out_var} "${dir}" PARENT_SCOPE)
endfunction()

# The profiles to build: SHAKEDOWN_PROFILES, or every firmware/configs/*.h.
function(shakedown_profiles out_var)
  if(SHAKEDOWN_PROFILES)
    set(profiles ${SHAKEDOWN_PROFILES})
  else()
    file(GLOB headers RELATIVE "${SHAKEDOWN_CONFIGS_DIR}" "${SHAKEDOWN_CONFIGS_DIR}/*.h")
    list(SORT headers)
    list(TRANSFORM headers REPLACE "\\.h$" "")
    set(profiles ${headers})
  endif()
  foreach(profile IN LISTS profiles)
    if(NOT EXISTS "${SHAKEDOWN_CONFIGS_DIR}/${profile}.h")
      message(FATAL_ERROR "SHAKEDOWN_PROFILES: no profile '${profile}' (${SHAKEDOWN_CONFIGS_DIR}/${profile}.h)")
    endif()
  endforeach()
  set(${out_var} ${profiles} PARENT_SCOPE)
endfunction()

# shakedown_mbedtls(<line> <profile> <platform> <out_target>)
# Defines (once) the static library mbedtls-<line>-<profile>-<platform>;
# consumers see the same config through the library's PUBLIC compile
# definitions. (The line's error names are a module of their own:
# firmware/mbedtls_errors.)
function(shakedown_mbedtls line profile platform out_target)
  set(target "mbedtls-${line}-${profile}-${platform}")
  set(${out_target} ${target} PARENT_SCOPE)
  if(TARGET ${target})
    return()
  endif()
  shakedown_mbedtls_source_dir(${line} dir)

  set(config_dir "${CMAKE_BINARY_DIR}/mbedtls-config/${platform}/${profile}")
  file(CONFIGURE OUTPUT "${config_dir}/shakedown_mbedtls_config.h" CONTENT
"/* Generated by cmake/MbedTLS.cmake: the user-config delta for profile
 * '${profile}' on platform '${platform}'. Edit the two files it includes. */
#include \"${SHAKEDOWN_CONFIGS_DIR}/${profile}.h\"
#include \"${SHAKEDOWN_CONFIGS_DIR}/platform/${platform}.h\"
" @ONLY)

  file(GLOB sources "${dir}/library/*.c")
  add_library(${target} STATIC ${sources})
  target_include_directories(${target} SYSTEM PUBLIC "${dir}/include" "${config_dir}")
  target_include_directories(${target} PRIVATE "${dir}/library")
  target_compile_definitions(${target} PUBLIC "MBEDTLS_USER_CONFIG_FILE=\"shakedown_mbedtls_config.h\"")
  # Upstream code builds with upstream's expectations, not our warning set.
  target_compile_options(${target} PRIVATE -w)
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE OFF)

  # The config's identity, reported by every build of the profile: the same
  # profile gives the same hash on the simulator and the firmware.
  file(SHA256 "${SHAKEDOWN_CONFIGS_DIR}/${profile}.h" profile_hash)
  string(SUBSTRING "${profile_hash}" 0 16 profile_hash)
  get_property(version GLOBAL PROPERTY SHAKEDOWN_MBEDTLS_${line}_VERSION)
  target_compile_definitions(${target} INTERFACE
    "SHAKEDOWN_PROFILE_NAME=\"${profile}\""
    "SHAKEDOWN_PROFILE_HASH=\"${profile_hash}\""
    "SHAKEDOWN_MBEDTLS_LINE=\"${line}\"")
endfunction()
