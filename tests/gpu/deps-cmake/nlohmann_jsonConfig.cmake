# Stand-in for nlohmann_json's package config over vendored headers (see ganlib_deps.cmake).
include(${CMAKE_CURRENT_LIST_DIR}/ganlib_deps.cmake)
ganlib_deps_target(nlohmann_json::nlohmann_json "${GANLIB_DEPS_ABS}" nlohmann/json.hpp)
