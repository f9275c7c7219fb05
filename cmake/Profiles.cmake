# The config profiles: one header per profile in firmware/configs, named by
# its file. Every build that names profiles takes the list from here.

set(SHAKEDOWN_CONFIGS_DIR "${PROJECT_SOURCE_DIR}/firmware/configs")
# A folder of more profile headers, each named by its file: the device
# configs `shakedown` imports and builds on demand (host/builds).
set(SHAKEDOWN_EXTRA_PROFILES_DIR "" CACHE PATH "A folder of more profile headers (imported device configs)")

# The header of <profile>: the extra folder's, else firmware/configs'.
function(shakedown_profile_header profile out_var)
  if(SHAKEDOWN_EXTRA_PROFILES_DIR AND EXISTS "${SHAKEDOWN_EXTRA_PROFILES_DIR}/${profile}.h")
    set(${out_var} "${SHAKEDOWN_EXTRA_PROFILES_DIR}/${profile}.h" PARENT_SCOPE)
  else()
    set(${out_var} "${SHAKEDOWN_CONFIGS_DIR}/${profile}.h" PARENT_SCOPE)
  endif()
endfunction()

# Every profile there is, built or not, sorted.
function(shakedown_known_profiles out_var)
  file(GLOB headers RELATIVE "${SHAKEDOWN_CONFIGS_DIR}" CONFIGURE_DEPENDS "${SHAKEDOWN_CONFIGS_DIR}/*.h")
  list(TRANSFORM headers REPLACE "\\.h$" "")
  list(SORT headers)
  set(${out_var} ${headers} PARENT_SCOPE)
endfunction()

# SHAKEDOWN_KNOWN_PROFILES on <target>: the names a scenario may give, which
# the scenario loader checks at load time.
function(shakedown_define_known_profiles target)
  shakedown_known_profiles(profiles)
  list(JOIN profiles "," names)
  target_compile_definitions(${target} PRIVATE SHAKEDOWN_KNOWN_PROFILES="${names}")
endfunction()
