// core/error.hpp — the one exception type ganlib throws, and the check macro.
// Contract: every misuse (bad shape, bad option, bad file) becomes a ganlib::Error whose
// message names the op or file and the offending values; nothing aborts.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace ganlib {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

namespace detail {
template <class... Parts>
[[noreturn]] inline void fail(const Parts&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  throw Error(os.str());
}
}  // namespace detail

}  // namespace ganlib

// GANLIB_CHECK(cond, "op: ", what, ...) throws ganlib::Error with the streamed parts.
#define GANLIB_CHECK(cond, ...)                                    \
  do {                                                             \
    if (!(cond)) ::ganlib::detail::fail(__VA_ARGS__);              \
  } while (0)
