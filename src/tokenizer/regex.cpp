// src/tokenizer/regex.cpp — the Regex of regex.hpp: parser (pattern -> node
// tree), compiler (tree -> program) and the matcher that runs the program.
#include "tokenizer/regex.hpp"

#include "tokenizer/unicode_data.hpp"

namespace hs::tokenizer {

namespace {

using unicode::Category;

// One item of a character class: a range of units, or a set of categories /
// White_Space.
struct ClassItem {
  enum Kind { kRange, kCategories, kWhiteSpace, kWord } kind;
  uint32_t first = 0, last = 0;
  std::vector<Category> categories;
  bool negated = false;  // \S \D \W \P{..}
};

uint32_t simple_fold(uint32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c == 0x017F) return 's';  // LATIN SMALL LETTER LONG S
  if (c == 0x212A) return 'k';  // KELVIN SIGN
  if (c < 0x80) return c;
  std::vector<uint32_t> lower;
  unicode::append_lowercase(c, lower);
  return lower.size() == 1 ? lower[0] : c;
}

bool item_matches(const ClassItem& item, uint32_t u) {
  bool hit = false;
  switch (item.kind) {
    case ClassItem::kRange: hit = u >= item.first && u <= item.last; break;
    case ClassItem::kWhiteSpace: hit = unicode::is_white_space(u); break;
    case ClassItem::kWord: hit = unicode::is_word(u); break;
    case ClassItem::kCategories: {
      Category c = unicode::category(u);
      for (Category k : item.categories) hit = hit || c == k;
      break;
    }
  }
  return hit != item.negated;
}

}  // namespace

struct Regex::Node {
  enum Kind { kChar, kSeq, kAlt, kRepeat, kLookahead } kind;
  // kChar: a class of single units (a literal is a one-unit range).
  std::vector<ClassItem> items;
  bool negated = false;
  bool case_insensitive = false;
  // kSeq, kAlt: children; kRepeat, kLookahead: children[0].
  std::vector<std::shared_ptr<Node>> children;
  size_t min = 0, max = 0;  // kRepeat (max SIZE_MAX = unbounded)
  bool negative = false;    // kLookahead

  bool matches_unit(uint32_t u) const {
    bool hit = false;
    for (const ClassItem& it : items) hit = hit || item_matches(it, u);
    if (!hit && case_insensitive) {
      uint32_t f = simple_fold(u);
      for (const ClassItem& it : items) {
        if (it.kind != ClassItem::kRange) continue;
        for (uint32_t c = it.first; c <= it.last && c - it.first < 64; ++c) hit = hit || simple_fold(c) == f;
      }
    }
    return hit != negated;
  }
};

namespace {

using NodePtr = std::shared_ptr<Regex::Node>;

class Parser {
 public:
  Parser(std::string_view pattern, const std::string& what) : what_(what), units_(unicode::to_units(pattern)) {}

  Result<NodePtr> parse() {
    HS_TRY_ASSIGN(NodePtr n, alternation(false));
    if (pos_ < units_.size()) return fail("unbalanced ')'");
    return n;
  }

 private:
  Error fail(const std::string& why) const {
    return make_error(what_ + ": regex construct not supported or invalid at character " +
                      std::to_string(pos_) + ": " + why);
  }
  bool at_end() const { return pos_ >= units_.size(); }
  uint32_t peek(size_t k = 0) const { return pos_ + k < units_.size() ? units_[pos_ + k] : 0; }

  Result<NodePtr> alternation(bool ci) {
    // groups and lookaheads nest by recursion here (and in the compiler and matcher)
    if (++depth_ > kMaxNesting) return fail("groups nested more than " + std::to_string(kMaxNesting) + " deep");
    struct Leave {
      size_t& d;
      ~Leave() { --d; }
    } leave{depth_};
    auto alt = std::make_shared<Regex::Node>();
    alt->kind = Regex::Node::kAlt;
    while (true) {
      HS_TRY_ASSIGN(NodePtr seq, sequence(ci));
      alt->children.push_back(seq);
      if (!at_end() && peek() == '|') {
        ++pos_;
        continue;
      }
      break;
    }
    if (alt->children.size() == 1) return alt->children[0];
    return alt;
  }

  Result<NodePtr> sequence(bool ci) {
    auto seq = std::make_shared<Regex::Node>();
    seq->kind = Regex::Node::kSeq;
    while (!at_end() && peek() != '|' && peek() != ')') {
      HS_TRY_ASSIGN(NodePtr atom_node, atom(ci));
      HS_TRY_ASSIGN(NodePtr q, quantified(atom_node));
      seq->children.push_back(q);
    }
    return seq;
  }

  Result<size_t> number() {
    size_t start = pos_;
    size_t v = 0;
    while (!at_end() && peek() >= '0' && peek() <= '9') {
      v = v * 10 + (peek() - '0');
      if (v > 100000) return fail("repetition count too large");
      ++pos_;
    }
    if (pos_ == start) return fail("expected a number in {}");
    return v;
  }

  Result<NodePtr> quantified(NodePtr atom_node) {
    if (at_end()) return atom_node;
    size_t min = 0, max = 0;
    uint32_t c = peek();
    if (c == '?') min = 0, max = 1;
    else if (c == '*') min = 0, max = SIZE_MAX;
    else if (c == '+') min = 1, max = SIZE_MAX;
    else if (c == '{') {
      ++pos_;
      HS_TRY_ASSIGN(min, number());
      max = min;
      if (peek() == ',') {
        ++pos_;
        if (peek() == '}') max = SIZE_MAX;
        else {
          HS_TRY_ASSIGN(max, number());
        }
      }
      if (peek() != '}') return fail("expected '}'");
      if (max < min) return fail("{n,m} with m < n");
    } else {
      return atom_node;
    }
    if (atom_node->kind == Regex::Node::kLookahead) return fail("quantified lookahead");
    // A group repeated more than once that can itself match in several ways
    // ((a*)*, (a|ab)+) makes backtracking exponential on some texts: refused,
    // so that a hostile tokenizer.json cannot hang the page.
    if (max > 1 && has_choice(*atom_node))
      return fail("a repeated group that contains a quantifier or an alternation (it can take exponential time)");
    ++pos_;
    if (!at_end() && (peek() == '?' || peek() == '+')) return fail("lazy or possessive quantifier");
    auto r = std::make_shared<Regex::Node>();
    r->kind = Regex::Node::kRepeat;
    r->min = min;
    r->max = max;
    r->children.push_back(atom_node);
    return r;
  }

  // Whether a node can match the same text in more than one way: it holds a
  // repetition of variable length or an alternation.
  static bool has_choice(const Regex::Node& n) {
    if (n.kind == Regex::Node::kAlt) return true;
    if (n.kind == Regex::Node::kRepeat && n.min != n.max) return true;
    for (const auto& c : n.children)
      if (has_choice(*c)) return true;
    return false;
  }

  NodePtr char_node(std::vector<ClassItem> items, bool negated, bool ci) {
    auto n = std::make_shared<Regex::Node>();
    n->kind = Regex::Node::kChar;
    n->items = std::move(items);
    n->negated = negated;
    n->case_insensitive = ci;
    return n;
  }

  Result<NodePtr> atom(bool ci) {
    uint32_t c = peek();
    if (c == '(') {
      ++pos_;
      bool group_ci = ci;
      if (peek() == '?') {
        uint32_t k = peek(1);
        if (k == ':') pos_ += 2;
        else if (k == 'i' && peek(2) == ':') pos_ += 3, group_ci = true;
        else if (k == '!' || k == '=') {
          pos_ += 2;
          HS_TRY_ASSIGN(NodePtr inner, alternation(ci));
          if (peek() != ')') return fail("expected ')'");
          ++pos_;
          auto look = std::make_shared<Regex::Node>();
          look->kind = Regex::Node::kLookahead;
          look->negative = k == '!';
          look->children.push_back(inner);
          return look;
        } else {
          const bool printable = k >= 0x20 && k < 0x7F;
          return fail("group kind (?" + std::string(1, printable ? static_cast<char>(k) : '?') + "...)");
        }
      }
      HS_TRY_ASSIGN(NodePtr inner, alternation(group_ci));
      if (peek() != ')') return fail("expected ')'");
      ++pos_;
      return inner;
    }
    if (c == '[') return char_class(ci);
    if (c == '.') {
      ++pos_;
      return char_node({ClassItem{ClassItem::kRange, '\n', '\n'}}, true, false);
    }
    if (c == '\\') {
      ++pos_;
      HS_TRY_ASSIGN(ClassItem item, escape(false));
      return char_node({item}, false, ci);
    }
    if (c == '^' || c == '$') return fail("anchors ^ $");
    if (c == '*' || c == '+' || c == '?' || c == '{') return fail("quantifier without an operand");
    ++pos_;
    return char_node({ClassItem{ClassItem::kRange, c, c}}, false, ci);
  }

  Result<std::vector<Category>> property_categories(const std::string& name) {
    static const std::pair<const char*, std::vector<Category>> kNames[] = {
        {"L", {Category::kLu, Category::kLl, Category::kLt, Category::kLm, Category::kLo}},
        {"Lu", {Category::kLu}}, {"Ll", {Category::kLl}}, {"Lt", {Category::kLt}},
        {"Lm", {Category::kLm}}, {"Lo", {Category::kLo}},
        {"M", {Category::kMn, Category::kMc, Category::kMe}},
        {"Mn", {Category::kMn}}, {"Mc", {Category::kMc}}, {"Me", {Category::kMe}},
        {"N", {Category::kNd, Category::kNl, Category::kNo}},
        {"Nd", {Category::kNd}}, {"Nl", {Category::kNl}}, {"No", {Category::kNo}},
        {"P", {Category::kPc, Category::kPd, Category::kPs, Category::kPe, Category::kPi, Category::kPf, Category::kPo}},
        {"Pc", {Category::kPc}}, {"Pd", {Category::kPd}}, {"Ps", {Category::kPs}}, {"Pe", {Category::kPe}},
        {"Pi", {Category::kPi}}, {"Pf", {Category::kPf}}, {"Po", {Category::kPo}},
        {"S", {Category::kSm, Category::kSc, Category::kSk, Category::kSo}},
        {"Sm", {Category::kSm}}, {"Sc", {Category::kSc}}, {"Sk", {Category::kSk}}, {"So", {Category::kSo}},
        {"Z", {Category::kZs, Category::kZl, Category::kZp}},
        {"Zs", {Category::kZs}}, {"Zl", {Category::kZl}}, {"Zp", {Category::kZp}},
        {"C", {Category::kCc, Category::kCf, Category::kCs, Category::kCo, Category::kCn}},
        {"Cc", {Category::kCc}}, {"Cf", {Category::kCf}}, {"Co", {Category::kCo}}, {"Cn", {Category::kCn}},
    };
    for (const auto& [n, cats] : kNames)
      if (name == n) return cats;
    std::string shown = name;
    for (char& c : shown)
      if (c < 0x20 || c == 0x7F) c = '?';  // errors stay on one line
    return fail("unknown property \\p{" + shown + "}");
  }

  // After a backslash.
  Result<ClassItem> escape(bool in_class) {
    if (at_end()) return fail("pattern ends with a backslash");
    uint32_t c = units_[pos_++];
    auto lit = [](uint32_t u) { return ClassItem{ClassItem::kRange, u, u}; };
    switch (c) {
      case 'r': return lit('\r');
      case 'n': return lit('\n');
      case 't': return lit('\t');
      case 'f': return lit('\f');
      case 'v': return lit('\v');
      case '0': return lit(0);
      case 's': case 'S': {
        ClassItem it{ClassItem::kWhiteSpace};
        it.negated = c == 'S';
        return it;
      }
      case 'd': case 'D': {
        ClassItem it{ClassItem::kCategories};
        it.categories = {Category::kNd};
        it.negated = c == 'D';
        return it;
      }
      case 'w': case 'W': {
        ClassItem it{ClassItem::kWord};
        it.negated = c == 'W';
        return it;
      }
      case 'p': case 'P': {
        std::string name;
        if (peek() == '{') {
          ++pos_;
          while (!at_end() && peek() != '}' && name.size() < 32) name.push_back(static_cast<char>(units_[pos_++] & 0x7F));
          if (peek() != '}') return fail("expected '}' after \\p{");
          ++pos_;
        } else if (!at_end()) {
          name.push_back(static_cast<char>(units_[pos_++] & 0x7F));
        }
        ClassItem it{ClassItem::kCategories};
        HS_TRY_ASSIGN(it.categories, property_categories(name));
        it.negated = c == 'P';
        return it;
      }
      default:
        break;
    }
    const bool word_char = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (word_char) {
      --pos_;
      return fail(std::string("escape \\") + static_cast<char>(c) + (in_class ? " in a class" : ""));
    }
    return lit(c);
  }

  Result<NodePtr> char_class(bool ci) {
    ++pos_;  // '['
    bool negated = false;
    if (peek() == '^') {
      negated = true;
      ++pos_;
    }
    std::vector<ClassItem> items;
    bool first = true;
    while (true) {
      if (at_end()) return fail("unterminated character class");
      uint32_t c = peek();
      if (c == ']' && !first) {
        ++pos_;
        break;
      }
      first = false;
      if (c == '[') return fail("nested class or POSIX bracket");
      ClassItem item;
      if (c == '\\') {
        ++pos_;
        HS_TRY_ASSIGN(item, escape(true));
      } else {
        ++pos_;
        item = ClassItem{ClassItem::kRange, c, c};
      }
      if (item.kind == ClassItem::kRange && peek() == '-' && peek(1) != ']' && pos_ + 1 < units_.size()) {
        ++pos_;
        uint32_t hi = peek();
        ClassItem hi_item;
        if (hi == '\\') {
          ++pos_;
          HS_TRY_ASSIGN(hi_item, escape(true));
          if (hi_item.kind != ClassItem::kRange) return fail("range ending in a class escape");
        } else {
          ++pos_;
          hi_item = ClassItem{ClassItem::kRange, hi, hi};
        }
        if (hi_item.first < item.first) return fail("range out of order");
        item.last = hi_item.first;
      }
      items.push_back(std::move(item));
    }
    return char_node(std::move(items), negated, ci);
  }

  static constexpr size_t kMaxNesting = 256;
  std::string what_;
  std::vector<uint32_t> units_;
  size_t pos_ = 0;
  size_t depth_ = 0;
};

}  // namespace

// ---- program: the node tree compiled to instructions -------------------------
// The matcher runs a small program (one instruction per character test, choice
// or jump) instead of walking the tree, so that it can remember which
// (choice, position) states have already failed: a state is explored at most
// once per search of the text, and matching is linear in the text's length
// times the program's size, whatever the pattern (plain backtracking is
// polynomial of high degree on patterns such as x+x+y, and the fuzzers found one
// that took 17 s on 235 bytes). The order in which choices are tried is the
// backtracking order, so the matches are the same leftmost-first matches.
struct Regex::Program {
  struct Inst {
    enum Op : uint8_t { kChar, kSplit, kJmp, kLook, kMatch } op;
    const Regex::Node* cls = nullptr;  // kChar
    uint32_t x = 0, y = 0;             // kSplit: try x, then y; kJmp: x
    uint32_t slot = 0;                 // kSplit: its state slot; kLook: index into looks
  };
  std::vector<Inst> code;
  uint32_t splits = 0;
  struct Look {
    std::shared_ptr<const Regex::Program> program;
    bool negative;
  };
  std::vector<Look> looks;
};

namespace {

using Program = Regex::Program;

// Instructions in the whole program (its lookaheads' included): larger counted
// repetitions are refused, so that a pattern cannot make the matcher's state
// memory grow without bound.
constexpr size_t kMaxInstructions = 1 << 16;
// Choices and lookaheads in the whole program: each costs two bits of state
// memory per text position the search reaches.
constexpr size_t kMaxChoices = 2048;

class Compiler {
 public:
  struct Totals {
    size_t instructions = 0, choices = 0;
  };
  Compiler(const std::string& what, Totals* totals) : what_(what), totals_(totals) {}

  Result<std::shared_ptr<Program>> compile(const Regex::Node& root) {
    auto p = std::make_shared<Program>();
    prog_ = p.get();
    HS_TRY(emit(root));
    HS_TRY(push({Program::Inst::kMatch}));
    return p;
  }

 private:
  using Inst = Program::Inst;

  Result<uint32_t> add(Inst inst) {
    if (inst.op == Inst::kSplit || inst.op == Inst::kLook) ++totals_->choices;
    if (++totals_->instructions > kMaxInstructions || totals_->choices > kMaxChoices)
      return make_error(what_ + ": regex too large: more than " + std::to_string(kMaxInstructions) + " steps or " +
                        std::to_string(kMaxChoices) + " choices once its counted repetitions are written out");
    prog_->code.push_back(inst);
    return static_cast<uint32_t>(prog_->code.size() - 1);
  }
  Status push(Inst inst) {
    HS_TRY_ASSIGN(uint32_t at, add(inst));
    (void)at;
    return {};
  }
  Result<uint32_t> add_split() {
    HS_TRY_ASSIGN(uint32_t at, add({Inst::kSplit}));
    prog_->code[at].slot = prog_->splits++;
    return at;
  }
  uint32_t here() const { return static_cast<uint32_t>(prog_->code.size()); }

  Status emit(const Regex::Node& n) {
    switch (n.kind) {
      case Regex::Node::kChar: {
        Inst c{Inst::kChar};
        c.cls = &n;
        return push(c);
      }
      case Regex::Node::kSeq:
        for (const auto& c : n.children) HS_TRY(emit(*c));
        return {};
      case Regex::Node::kAlt: {
        // split L1 next; L1: a; jmp end; next: split L2 next2; ...; last
        std::vector<uint32_t> jumps;
        for (size_t i = 0; i < n.children.size(); ++i) {
          if (i + 1 == n.children.size()) {
            HS_TRY(emit(*n.children[i]));
            break;
          }
          HS_TRY_ASSIGN(uint32_t split, add_split());
          prog_->code[split].x = here();
          HS_TRY(emit(*n.children[i]));
          HS_TRY_ASSIGN(uint32_t jump, add({Inst::kJmp}));
          jumps.push_back(jump);
          prog_->code[split].y = here();
        }
        for (uint32_t j : jumps) prog_->code[j].x = here();
        return {};
      }
      case Regex::Node::kRepeat: {
        const Regex::Node& child = *n.children[0];
        for (size_t i = 0; i < n.min; ++i) HS_TRY(emit(child));
        if (n.max == SIZE_MAX) {  // loop: split body exit; body; jmp loop
          HS_TRY_ASSIGN(uint32_t loop, add_split());
          prog_->code[loop].x = here();
          HS_TRY(emit(child));
          HS_TRY_ASSIGN(uint32_t back, add({Inst::kJmp}));
          prog_->code[back].x = loop;
          prog_->code[loop].y = here();
          return {};
        }
        std::vector<uint32_t> optional;  // max - min greedy optional copies, all exiting to the end
        for (size_t i = n.min; i < n.max; ++i) {
          HS_TRY_ASSIGN(uint32_t split, add_split());
          prog_->code[split].x = here();
          optional.push_back(split);
          HS_TRY(emit(child));
        }
        for (uint32_t s : optional) prog_->code[s].y = here();
        return {};
      }
      case Regex::Node::kLookahead: {
        HS_TRY_ASSIGN(std::shared_ptr<Program> sub, Compiler(what_, totals_).compile(*n.children[0]));
        Inst look{Inst::kLook};
        look.slot = static_cast<uint32_t>(prog_->looks.size());
        prog_->looks.push_back({std::move(sub), n.negative});
        return push(look);
      }
    }
    return {};
  }

  const std::string& what_;
  Totals* totals_;
  Program* prog_ = nullptr;
};

// Two bits per (slot, text position), kept in blocks of positions allocated when
// first touched and dropped once the search has moved past them (no state
// behind the search's start is ever asked about again).
class StateBits {
 public:
  static constexpr uint8_t kFailed = 1, kBusy = 2;  // lookahead results: kKnown, kTrue
  explicit StateBits(uint32_t slots) : slots_(slots) {}

  uint8_t get(uint32_t slot, size_t pos) const {
    const size_t b = pos >> kBlockBits;
    if (b >= blocks_.size() || blocks_[b].empty()) return 0;
    const size_t i = (slot << kBlockBits | (pos & kBlockMask)) * 2;
    return (blocks_[b][i >> 6] >> (i & 63)) & 3;
  }
  void set(uint32_t slot, size_t pos, uint8_t bits) {
    const size_t b = pos >> kBlockBits;
    if (b >= blocks_.size()) blocks_.resize(b + 1);
    if (blocks_[b].empty()) blocks_[b].assign((size_t(slots_) << kBlockBits) * 2 / 64 + 1, 0);
    const size_t i = (slot << kBlockBits | (pos & kBlockMask)) * 2;
    uint64_t& w = blocks_[b][i >> 6];
    w = (w & ~(uint64_t(3) << (i & 63))) | (uint64_t(bits) << (i & 63));
  }
  // Frees the blocks that lie wholly before `pos`.
  void release_before(size_t pos) {
    const size_t end = std::min(blocks_.size(), pos >> kBlockBits);
    for (size_t b = released_; b < end; ++b) std::vector<uint64_t>().swap(blocks_[b]);
    released_ = std::max(released_, end);
  }

 private:
  static constexpr size_t kBlockBits = 10, kBlockMask = (size_t(1) << kBlockBits) - 1;
  uint32_t slots_;
  std::vector<std::vector<uint64_t>> blocks_;
  size_t released_ = 0;
};

// One program over one text: anchored matches from any position, sharing what
// earlier searches learned (a state that failed fails again, whatever position
// the search started from).
class Runner {
 public:
  Runner(const Program& prog, const std::vector<uint32_t>& units, size_t* steps)
      : prog_(prog), u_(units), steps_(steps), states_(prog.splits), looks_(static_cast<uint32_t>(prog.looks.size())) {}

  // The end of the first match starting at `start`, in backtracking order, or -1.
  std::ptrdiff_t match_at(size_t start) {
    using Inst = Program::Inst;
    stack_.clear();
    stack_.push_back({0, start, false});
    while (!stack_.empty()) {
      Entry e = stack_.back();
      stack_.pop_back();
      if (e.done) {  // every way on from this choice failed
        states_.set(prog_.code[e.pc].slot, e.pos, StateBits::kFailed);
        continue;
      }
      uint32_t pc = e.pc;
      size_t pos = e.pos;
      while (true) {
        const Inst& in = prog_.code[pc];
        ++*steps_;
        if (in.op == Inst::kChar) {
          if (pos >= u_.size() || !in.cls->matches_unit(u_[pos])) break;
          ++pc, ++pos;
        } else if (in.op == Inst::kJmp) {
          pc = in.x;
        } else if (in.op == Inst::kSplit) {
          if (states_.get(in.slot, pos) != 0) break;  // failed before, or on the current path (an empty loop)
          states_.set(in.slot, pos, StateBits::kBusy);
          stack_.push_back({pc, pos, true});
          stack_.push_back({in.y, pos, false});
          pc = in.x;
        } else if (in.op == Inst::kLook) {
          if (look(in.slot, pos) == prog_.looks[in.slot].negative) break;
          ++pc;
        } else {  // kMatch: the choices still on the stack did not fail
          for (const Entry& open : stack_)
            if (open.done) states_.set(prog_.code[open.pc].slot, open.pos, 0);
          stack_.clear();
          return static_cast<std::ptrdiff_t>(pos);
        }
      }
    }
    return -1;
  }

  void release_before(size_t pos) {
    states_.release_before(pos);
    looks_.release_before(pos);
    for (auto& r : sub_)
      if (r) r->release_before(pos);
  }

 private:
  // Whether lookahead `i`'s pattern matches at `pos` (computed once per position).
  bool look(uint32_t i, size_t pos) {
    const uint8_t known = looks_.get(i, pos);
    if (known) return known == 3;
    if (sub_.size() < prog_.looks.size()) sub_.resize(prog_.looks.size());
    if (!sub_[i]) sub_[i] = std::make_unique<Runner>(*prog_.looks[i].program, u_, steps_);
    const bool hit = sub_[i]->match_at(pos) >= 0;
    looks_.set(i, pos, hit ? 3 : 1);
    return hit;
  }

  struct Entry {
    uint32_t pc;
    size_t pos;
    bool done;  // the marker of a choice whose alternatives are all pushed
  };
  const Program& prog_;
  const std::vector<uint32_t>& u_;
  size_t* steps_;  // instructions run, lookaheads' included
  StateBits states_, looks_;
  std::vector<std::unique_ptr<Runner>> sub_;
  std::vector<Entry> stack_;
};

}  // namespace

Result<Regex> Regex::compile(std::string_view pattern, const std::string& what) {
  Parser p(pattern, what);
  HS_TRY_ASSIGN(NodePtr root, p.parse());
  Compiler::Totals totals;
  HS_TRY_ASSIGN(std::shared_ptr<Program> program, Compiler(what, &totals).compile(*root));
  Regex r;
  r.root_ = root;
  r.program_ = program;
  return r;
}

namespace {
size_t instructions(const Program& p) {
  size_t n = p.code.size();
  for (const Program::Look& look : p.looks) n += instructions(*look.program);
  return n;
}
}  // namespace

size_t Regex::program_size() const { return program_ ? instructions(*program_) : 0; }

Regex Regex::literal(std::string_view literal) {
  auto seq = std::make_shared<Node>();
  seq->kind = Node::kSeq;
  auto program = std::make_shared<Program>();
  for (uint32_t u : unicode::to_units(literal)) {
    auto c = std::make_shared<Node>();
    c->kind = Node::kChar;
    c->items.push_back(ClassItem{ClassItem::kRange, u, u});
    seq->children.push_back(c);
    Program::Inst test{Program::Inst::kChar};
    test.cls = c.get();
    program->code.push_back(test);  // no choices: any length is safe
  }
  program->code.push_back({Program::Inst::kMatch});
  Regex r;
  r.root_ = seq;
  r.program_ = program;
  return r;
}

std::vector<std::pair<size_t, size_t>> Regex::find_all(std::string_view text, size_t* steps) const {
  std::vector<std::pair<size_t, size_t>> out;
  if (!program_) return out;
  const std::vector<uint32_t> units = unicode::to_units(text);
  // Byte offset of each unit position.
  std::vector<size_t> offset(units.size() + 1, 0);
  for (size_t i = 0; i < units.size(); ++i) {
    const uint32_t u = units[i];
    offset[i + 1] = offset[i] + (u < 0x80 ? 1 : u < 0x800 ? 2 : u < 0x10000 ? 3 : u < unicode::kInvalidByteBase ? 4 : 1);
  }
  size_t ignored = 0;
  if (steps) *steps = 0;
  Runner run(*program_, units, steps ? steps : &ignored);
  for (size_t pos = 0; pos < units.size();) {
    const std::ptrdiff_t end = run.match_at(pos);
    if (end > static_cast<std::ptrdiff_t>(pos)) {
      out.emplace_back(offset[pos], offset[end]);
      pos = static_cast<size_t>(end);
    } else {
      ++pos;
    }
    run.release_before(pos);
  }
  return out;
}

std::string Regex::replace_all(std::string_view text, std::string_view content) const {
  std::string out;
  size_t last = 0;
  for (auto [b, e] : find_all(text, nullptr)) {
    out.append(text.substr(last, b - last));
    out.append(content);
    last = e;
  }
  out.append(text.substr(last));
  return out;
}

}  // namespace hs::tokenizer
