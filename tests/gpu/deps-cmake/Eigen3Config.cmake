# Stand-in for Eigen3's package config over vendored headers (see ganlib_deps.cmake).
include(${CMAKE_CURRENT_LIST_DIR}/ganlib_deps.cmake)
ganlib_deps_target(Eigen3::Eigen "${GANLIB_DEPS_ABS}/eigen3" Eigen/Core)
set(EIGEN3_INCLUDE_DIRS "${GANLIB_DEPS_ABS}/eigen3")
