// src/tokenizer — the tokenizers of the model families learners meet: loading
// (GPT-2's vocab.json + merges.txt, a BERT vocab.txt, or a HuggingFace
// tokenizer.json as the Hub has it), encoding and decoding. Produces the same
// ids as GPT-2's reference encoder and as HF tokenizers.
//
// tokenizer.json is run as HF's pipeline, each part read from the file:
//   added tokens (raw text) -> normalizer (normalizer.hpp) -> added tokens
//   marked "normalized" -> pre-tokenizer (pre_tokenizer.hpp) -> model (BPE
//   with byte_fallback / unk_token / fuse_unk / ignore_merges, or WordPiece)
//   -> post-processor (post_processor.hpp); tokens are shown through the
//   decoder (decoder.hpp). A component type that is not implemented is an
//   error naming it and listing the supported ones.
//
// The rest of this comment is about GPT-2's byte-level BPE.
//
// Pre-tokenization is GPT-2's regex
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// implemented by hand over code points (no std::regex, no ICU), with the
// semantics of the reference encoder gpt-3-encoder, which runs it as a
// JavaScript /u regex:
//   * \p{L}, \p{N}: Unicode General_Category L* / N*, from the Unicode Character
//     Database the tables were generated from (unicode_tables.cpp, Unicode 15.0
//     on Debian bookworm). Characters assigned in later Unicode versions are
//     "other" here but may be letters to a newer JS engine.
//   * \s: ECMAScript's WhiteSpace + LineTerminator set (U+0009..U+000D, U+FEFF,
//     all Zs, U+2028, U+2029) = Unicode White_Space minus U+0085 (NEL) plus
//     U+FEFF (BOM). Python's `regex` module (the original GPT-2 code) and
//     HuggingFace tokenizers (Oniguruma) use White_Space instead; a
//     tokenizer.json's ByteLevel does too (SpaceRule below).
// Invalid UTF-8: input may be any bytes. Each byte that is not part of a
// well-formed UTF-8 sequence (stray continuation bytes, truncated sequences,
// overlongs, surrogates, > U+10FFFF) counts as one "other" character (neither
// letter, number nor space) and is encoded via its byte token, so
// decode(encode(x)) == x for every byte string x and encode never fails.
//
// Added tokens (tokenizer.json "added_tokens", e.g. <|endoftext|>) are matched
// in the raw text first (leftmost, longest) and encoded as their own id; the
// text between them is encoded normally. from_vocab_merges has no added tokens:
// like GPT-2's own encoder it encodes the text "<|endoftext|>" as ordinary
// characters.
//
// A Tokenizer is cheap to copy (the model is shared and immutable); encode()
// keeps a per-word cache guarded by a mutex, so concurrent use is safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace hs::tokenizer {

class Tokenizer {
 public:
  // An empty tokenizer: vocab_size() == 0, encode() returns no ids.
  Tokenizer();

  // HuggingFace tokenizers format (see the top of this file). Anything that
  // would change ids and is not implemented (an unknown component type, BPE
  // dropout, continuing_subword_prefix, end_of_word_suffix, truncation/padding,
  // lstrip/rstrip/single_word added tokens) is rejected with an error naming it.
  static hs::Result<Tokenizer> from_tokenizer_json(std::string_view json_text,
                                                   std::string_view source_name = "tokenizer.json");
  // GPT-2's vocab.json + merges.txt (merges may start with a "#version" line).
  static hs::Result<Tokenizer> from_vocab_merges(std::string_view vocab_json,
                                                 std::string_view merges_txt);

  // A BERT vocab.txt (one token per line, id = line - 1): WordPiece with "##"
  // continuations and [UNK], BertNormalizer (lowercase and strip accents when
  // `lowercase`), BertPreTokenizer, [CLS] $A [SEP] — what HF builds for
  // bert-base-uncased (lowercase) / -cased.
  static hs::Result<Tokenizer> from_vocab_txt(std::string_view vocab_txt, bool lowercase = true);

  // Any bytes, never fails or crashes. With add_special_tokens the
  // post-processor's tokens are added as HF does by default ("<s>" before,
  // "[CLS]" ... "[SEP]" around); GPT-2's files add none.
  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens = true) const;
  // True when decode(encode(x)) == x for every byte string x (byte-level BPE
  // without normalizer, prefix space or added special tokens, e.g. GPT-2).
  bool round_trips() const;
  // The text the token stands for ("" for bad id): raw bytes for byte-level
  // and byte-fallback tokens, "▁" as a space, "##x" as "x" and a WordPiece
  // word start "x" as " x".
  std::string token_bytes(int32_t id) const;
  // Human-readable: the bytes as UTF-8 when valid, else each invalid byte as "<0xAB>".
  std::string token_text(int32_t id) const;
  // Concatenated token_bytes (bad ids skipped), minus the leading space the
  // decoder strips (Metaspace, WordPiece, Strip).
  std::string decode(const std::vector<int32_t>& ids) const;
  size_t vocab_size() const;                                  // max id + 1
  // e.g. "Ġthe", "▁the", "##ing", "<|endoftext|>" (added tokens also by their content).
  std::optional<int32_t> token_to_id(std::string_view token_in_vocab_form) const;

  struct Model;  // implementation detail (tokenizer.cpp)
  struct Cache;

 private:
  std::shared_ptr<const Model> model_;
  std::shared_ptr<Cache> cache_;
};

// Which characters GPT-2's regex counts as \s: ECMAScript's (gpt-3-encoder,
// see above; vocab.json + merges.txt) or Unicode White_Space (Oniguruma, which
// HF tokenizers runs ByteLevel's regex with, like GPT-2's Python `regex`; a
// tokenizer.json). They differ only on U+0085 (space only in White_Space) and
// U+FEFF (space only in ECMAScript).
enum class SpaceRule { kECMAScript, kWhiteSpace };

// GPT-2's pre-tokenization split (see above); the views point into `text`.
// Concatenating the pieces gives back `text` exactly.
std::vector<std::string_view> pretokenize(std::string_view text, SpaceRule spaces = SpaceRule::kECMAScript);

// GPT-2's byte <-> unicode mapping (printable bytes map to themselves, others
// to U+0100 onwards), applied to every byte: " the" -> "Ġthe".
std::string bytes_to_vocab_form(std::string_view bytes);
// The inverse; nullopt if some character is not one of the 256 byte characters.
std::optional<std::string> vocab_form_to_bytes(std::string_view vocab_form);

}  // namespace hs::tokenizer
