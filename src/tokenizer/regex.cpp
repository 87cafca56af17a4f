// src/tokenizer/regex.cpp — parser (pattern -> node tree) and backtracking
// matcher of the Regex in regex.hpp.
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

  std::string what_;
  std::vector<uint32_t> units_;
  size_t pos_ = 0;
};

// A continuation of the matcher (does the rest of the pattern match from this
// position?), held by reference: each is called only while the frame that made
// it is live, and a std::function would allocate one closure per node and position.
class Cont {
 public:
  template <class F>
  Cont(const F& f)  // implicit, so that a lambda can be passed where a Cont is expected
      : closure_(&f), call_([](const void* c, size_t pos) { return (*static_cast<const F*>(c))(pos); }) {}
  bool operator()(size_t pos) const { return call_(closure_, pos); }

 private:
  const void* closure_;
  bool (*call_)(const void*, size_t);
};

// The matcher: continuation passing over unit positions.
class Matcher {
 public:
  explicit Matcher(const std::vector<uint32_t>& units) : u_(units) {}

  bool match(const Regex::Node& n, size_t pos, const Cont& k) const {
    switch (n.kind) {
      case Regex::Node::kChar:
        return pos < u_.size() && n.matches_unit(u_[pos]) && k(pos + 1);
      case Regex::Node::kSeq:
        return seq(n, 0, pos, k);
      case Regex::Node::kAlt:
        for (const auto& c : n.children)
          if (match(*c, pos, k)) return true;
        return false;
      case Regex::Node::kLookahead: {
        bool inner = match(*n.children[0], pos, [](size_t) { return true; });
        return inner != n.negative && k(pos);
      }
      case Regex::Node::kRepeat:
        return repeat(n, pos, k);
    }
    return false;
  }

 private:
  bool seq(const Regex::Node& n, size_t i, size_t pos, const Cont& k) const {
    if (i == n.children.size()) return k(pos);
    return match(*n.children[i], pos, [&](size_t p) { return seq(n, i + 1, p, k); });
  }

  bool repeat(const Regex::Node& n, size_t pos, const Cont& k) const {
    const Regex::Node& child = *n.children[0];
    if (child.kind == Regex::Node::kChar) {  // greedy loop, then back off
      size_t count = 0;
      while (count < n.max && pos + count < u_.size() && child.matches_unit(u_[pos + count])) ++count;
      for (size_t c = count + 1; c-- > n.min;)
        if (k(pos + c)) return true;
      return false;
    }
    return repeat_general(n, child, 0, pos, k);
  }

  bool repeat_general(const Regex::Node& n, const Regex::Node& child, size_t count, size_t pos, const Cont& k) const {
    if (count < n.max &&
        match(child, pos, [&](size_t p) { return p != pos && repeat_general(n, child, count + 1, p, k); }))
      return true;
    return count >= n.min && k(pos);
  }

  const std::vector<uint32_t>& u_;
};

}  // namespace

Result<Regex> Regex::compile(std::string_view pattern, const std::string& what) {
  Parser p(pattern, what);
  HS_TRY_ASSIGN(NodePtr root, p.parse());
  Regex r;
  r.root_ = root;
  return r;
}

Regex Regex::literal(std::string_view literal) {
  auto seq = std::make_shared<Node>();
  seq->kind = Node::kSeq;
  for (uint32_t u : unicode::to_units(literal)) {
    auto c = std::make_shared<Node>();
    c->kind = Node::kChar;
    c->items.push_back(ClassItem{ClassItem::kRange, u, u});
    seq->children.push_back(c);
  }
  Regex r;
  r.root_ = seq;
  return r;
}

std::vector<std::pair<size_t, size_t>> Regex::find_all(std::string_view text) const {
  std::vector<std::pair<size_t, size_t>> out;
  if (!root_) return out;
  const std::vector<uint32_t> units = unicode::to_units(text);
  // Byte offset of each unit position.
  std::vector<size_t> offset(units.size() + 1, 0);
  for (size_t i = 0; i < units.size(); ++i) {
    const uint32_t u = units[i];
    offset[i + 1] = offset[i] + (u < 0x80 ? 1 : u < 0x800 ? 2 : u < 0x10000 ? 3 : u < unicode::kInvalidByteBase ? 4 : 1);
  }
  Matcher m(units);
  for (size_t pos = 0; pos < units.size();) {
    size_t end = 0;
    bool found = m.match(*root_, pos, [&](size_t e) {
      end = e;
      return true;
    });
    if (found && end > pos) {
      out.emplace_back(offset[pos], offset[end]);
      pos = end;
    } else {
      ++pos;
    }
  }
  return out;
}

std::string Regex::replace_all(std::string_view text, std::string_view content) const {
  std::string out;
  size_t last = 0;
  for (auto [b, e] : find_all(text)) {
    out.append(text.substr(last, b - last));
    out.append(content);
    last = e;
  }
  out.append(text.substr(last));
  return out;
}

}  // namespace hs::tokenizer
