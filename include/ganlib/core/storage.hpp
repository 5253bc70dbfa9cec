// core/storage.hpp — a reference-counted buffer on one backend, with a version counter.
// Contract: views share one Storage; every in-place write bumps `version`, which autograd
// compares against the version it saved to catch a saved tensor modified in place.
#pragma once
#include <cstdint>
#include <memory>

namespace ganlib {

template <class T, class B>
struct Storage {
  T* data = nullptr;
  int64_t size = 0;
  uint64_t version = 0;

  explicit Storage(int64_t n) : size(n) {
    data = static_cast<T*>(B::allocate(sizeof(T) * size_t(n > 0 ? n : 1)));
  }
  ~Storage() { B::deallocate(data, sizeof(T) * size_t(size > 0 ? size : 1)); }
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
};

}  // namespace ganlib
