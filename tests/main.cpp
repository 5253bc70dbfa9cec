// tests/main.cpp — doctest's runner, compiled once per test executable.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
