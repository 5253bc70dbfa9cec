# tests/gpu/deps-cmake/ganlib_deps.cmake — shared by the config files beside it, which stand in
# for Eigen3, nlohmann_json and doctest on a machine without those packages: each defines the
# package's usual imported target over the headers that tests/gpu/vendor_deps.sh copied into
# GANLIB_DEPS_DIR (relative paths are taken from the top source folder).
get_filename_component(GANLIB_DEPS_ABS "${GANLIB_DEPS_DIR}" ABSOLUTE BASE_DIR "${CMAKE_SOURCE_DIR}")

# ganlib_deps_version(<header> <var> <macro names...>): "<a>.<b>.<c>" read from #defines.
function(ganlib_deps_version header var)
  set(parts "")
  foreach(m ${ARGN})
    file(STRINGS "${header}" line REGEX "#define ${m} +[0-9]+")
    string(REGEX REPLACE ".*#define ${m} +([0-9]+).*" "\\1" n "${line}")
    list(APPEND parts ${n})
  endforeach()
  string(REPLACE ";" "." v "${parts}")
  set(${var} "${v}" PARENT_SCOPE)
endfunction()

# ganlib_deps_check_version(<found version>): the ConfigVersion protocol.
macro(ganlib_deps_check_version found)
  set(PACKAGE_VERSION "${found}")
  if(PACKAGE_FIND_VERSION AND PACKAGE_VERSION VERSION_LESS PACKAGE_FIND_VERSION)
    set(PACKAGE_VERSION_COMPATIBLE FALSE)
  else()
    set(PACKAGE_VERSION_COMPATIBLE TRUE)
    if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
      set(PACKAGE_VERSION_EXACT TRUE)
    endif()
  endif()
endmacro()

# ganlib_deps_target(<target> <include dir> <a file that must exist under it>)
function(ganlib_deps_target target dir probe)
  if(NOT EXISTS "${dir}/${probe}")
    message(FATAL_ERROR "${target}: ${dir}/${probe} is missing; run tests/gpu/vendor_deps.sh "
                        "where the package is installed, and carry ${GANLIB_DEPS_DIR} along")
  endif()
  if(NOT TARGET ${target})
    add_library(${target} INTERFACE IMPORTED)
    set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${dir}")
  endif()
endfunction()
