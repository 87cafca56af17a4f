# Catch2 v3 for both builds.
# Native: the installed package (find_package(Catch2 3)).
# WebAssembly: a prebuilt native libCatch2.a cannot link into wasm, so we compile
# Catch2's own amalgamated source (extras/catch_amalgamated.cpp from the Catch2
# release tarball; scripts/setup-debian.sh fetches Debian's catch2 source package
# into .deps/catch2). Point HEADSCOPE_CATCH2_AMALGAMATED_DIR elsewhere if needed.
if(EMSCRIPTEN)
  # The repository's package.json says "type": "module"; Emscripten's test and
  # CLI programs are CommonJS scripts, so the build tree says so for itself.
  file(WRITE ${CMAKE_BINARY_DIR}/package.json "{ \"type\": \"commonjs\" }\n")
  set(HEADSCOPE_CATCH2_AMALGAMATED_DIR "${CMAKE_SOURCE_DIR}/.deps/catch2" CACHE PATH
      "Folder holding catch_amalgamated.cpp/.hpp")
  if(NOT EXISTS "${HEADSCOPE_CATCH2_AMALGAMATED_DIR}/catch_amalgamated.cpp")
    message(FATAL_ERROR "Catch2 amalgamated source not found in ${HEADSCOPE_CATCH2_AMALGAMATED_DIR}; run scripts/setup-debian.sh")
  endif()
  add_library(headscope_catch2 STATIC "${HEADSCOPE_CATCH2_AMALGAMATED_DIR}/catch_amalgamated.cpp")
  target_include_directories(headscope_catch2 PUBLIC "${HEADSCOPE_CATCH2_AMALGAMATED_DIR}")
  target_compile_definitions(headscope_catch2 PUBLIC HEADSCOPE_CATCH2_AMALGAMATED)
  target_compile_options(headscope_catch2 PRIVATE -w)
  add_library(Catch2::Catch2WithMain ALIAS headscope_catch2)
else()
  find_package(Catch2 3 CONFIG REQUIRED)
endif()

# headscope_add_test(NAME name SOURCES ... LIBS ...): one Catch2 binary, one ctest
# entry. In the wasm build CMake runs it through CROSSCOMPILING_EMULATOR (node).
function(headscope_add_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} Catch2::Catch2WithMain)
  target_include_directories(${T_NAME} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_compile_definitions(${T_NAME} PRIVATE HEADSCOPE_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  if(EMSCRIPTEN)
    # Tests read fixtures from disk: give them Node's file system.
    target_link_options(${T_NAME} PRIVATE -sNODERAWFS=1 -sALLOW_MEMORY_GROWTH=1 -sEXIT_RUNTIME=1)
  endif()
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} --colour-mode none)
endfunction()
