// One include for Catch2 v3 in both builds: the installed headers natively,
// Catch2's amalgamated header in the wasm build (see cmake/Catch2Setup.cmake).
#pragma once
#ifdef HEADSCOPE_CATCH2_AMALGAMATED
#include "catch_amalgamated.hpp"
#else
#include <catch2/catch_test_macros.hpp>
#include <catch2/catch_approx.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#endif
