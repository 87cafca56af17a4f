# src/train/bpe.cmake — the byte-level BPE tokenizer trainer (native only;
# included from src/train/CMakeLists.txt).
add_library(headscope_bpe_trainer STATIC ${CMAKE_CURRENT_LIST_DIR}/bpe_trainer.cpp)
target_include_directories(headscope_bpe_trainer PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(headscope_bpe_trainer PUBLIC headscope_tokenizer headscope_json)

add_executable(headscope-train-bpe ${CMAKE_CURRENT_LIST_DIR}/train_bpe_main.cpp)
target_link_libraries(headscope-train-bpe PRIVATE headscope_bpe_trainer)
