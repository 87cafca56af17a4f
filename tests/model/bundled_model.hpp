// tests/model — the bundled model models/brown-small and the text the run tests use.
#pragma once

#include <memory>
#include <string>

#include "catch.hpp"
#include "model/loader.hpp"

namespace hs::model::testing {

inline const std::string kBundled = std::string(HEADSCOPE_SOURCE_DIR) + "/models/brown-small";
inline const char* const kText = "The cat sat on the mat. The cat sat on the mat.";

inline std::unique_ptr<Model> bundled() {
  auto m = load_model_folder(kBundled);
  REQUIRE(m.ok());
  return std::move(m.value());
}

}  // namespace hs::model::testing
