# Stand-in for doctest's package config over vendored headers (see ganlib_deps.cmake).
include(${CMAKE_CURRENT_LIST_DIR}/ganlib_deps.cmake)
ganlib_deps_target(doctest::doctest "${GANLIB_DEPS_ABS}" doctest/doctest.h)
