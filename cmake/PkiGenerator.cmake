# shakedown_pki_generator_key(<target>...): chain_spec.cc, in each target,
# gets SHAKEDOWN_PKI_GENERATOR: a hash of the PKI generator's sources, part
# of every chain's cache key. A change to how chains are made (keys, signing,
# extensions, the files) is a new key, so no cache hands out certificates an
# older generator made. Editing one of these files reconfigures, and only
# chain_spec.cc recompiles.
function(shakedown_pki_generator_key)
  set(dir ${PROJECT_SOURCE_DIR}/servers)
  set(sources chain_spec.cc chain_spec.h key_pool.cc key_pool.h cert_issuer.cc cert_issuer.h pki.cc pki.h
    pki_files.cc pki_files.h pki_internal.cc pki_internal.h)
  set(hashes "")
  foreach(file IN LISTS sources)
    file(SHA256 ${dir}/${file} hash)
    string(APPEND hashes "${file}=${hash}\n")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${dir}/${file})
  endforeach()
  string(SHA256 key "${hashes}")
  string(SUBSTRING "${key}" 0 16 key)
  set_source_files_properties(${dir}/chain_spec.cc TARGET_DIRECTORY ${ARGN}
    PROPERTIES COMPILE_DEFINITIONS SHAKEDOWN_PKI_GENERATOR="${key}")
endfunction()
