#include "targets/c/stack_bound.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "ir/diagnostics.h"
#include "targets/int8_dialect.h"

namespace shufflec {
namespace {

// Return address, frame pointer and callee-saved registers (x86-64: 7 x 8; AArch64: 12 x 8 + 8 FP registers;
// Win64 adds 10 XMM registers and a 32-byte home area) plus realigning the frame for vectors.
constexpr int64_t kFrameFixedBytes = 256;
// The frame of a library function a layer calls (libm's expf and friends are small leaves).
constexpr int64_t kLibraryCallBytes = 256;
// An inlined intrinsic in an unoptimised build: up to three operands and its result, each a vector in the frame.
constexpr int64_t kIntrinsicVectorSlots = 4;
// Every object gets a slot of at least this size: scalars padded, arrays aligned.
constexpr int64_t kSlotAlign = 16;

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// C tokens; comments dropped, literals kept as one token each, two-character operators kept whole (so `*=` is no
// pointer declarator and `==` no initializer).
std::vector<std::string> tokenize(std::string_view s) {
  static const std::set<std::string_view> two_char{"==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "->",
                                                   "++", "--", "&&", "||", "<<", ">>", "%=", "&=", "|="};
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (s.compare(i, 2, "/*") == 0) {
      const size_t end = s.find("*/", i + 2);
      i = end == std::string_view::npos ? s.size() : end + 2;
    } else if (s.compare(i, 2, "//") == 0 || c == '#') {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '"' || c == '\'') {
      size_t j = i + 1;
      while (j < s.size() && s[j] != c) j += s[j] == '\\' ? 2 : 1;
      out.emplace_back(s.substr(i, std::min(j + 1, s.size()) - i));
      i = j + 1;
    } else if (is_ident_start(c) || std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      // A number may have an exponent sign: 1e-5.
      auto exponent_sign = [&](size_t j) {
        return (s[j] == '+' || s[j] == '-') && !is_ident_start(c) && (s[j - 1] == 'e' || s[j - 1] == 'E');
      };
      size_t j = i;
      while (j < s.size() && (is_ident_char(s[j]) || s[j] == '.' || exponent_sign(j))) ++j;
      out.emplace_back(s.substr(i, j - i));
      i = j;
    } else if (i + 1 < s.size() && two_char.count(s.substr(i, 2))) {
      out.emplace_back(s.substr(i, 2));
      i += 2;
    } else {
      out.emplace_back(1, c);
      ++i;
    }
  }
  return out;
}

bool is_identifier(const std::string &t) { return !t.empty() && is_ident_start(t[0]); }

const std::set<std::string> &keywords() {
  static const std::set<std::string> k{"return", "if",      "else",  "for",   "while",   "do",     "switch",
                                       "case",   "default", "break", "continue", "goto", "sizeof"};
  return k;
}
const std::set<std::string> &qualifiers() {
  static const std::set<std::string> q{"const", "volatile", "restrict", "register", "static", "auto", "inline"};
  return q;
}

// Size of a value of the named type, or 0 for a name that is no type we know. Scalars are at most 8 bytes; vector
// types are known by the target's name for them and by the usual spellings (__m256, float32x4_t, float32x4x2_t).
int64_t type_bytes(const std::string &t, const TargetDesc &target) {
  static const std::set<std::string> scalars{"float",    "double",   "int",       "unsigned", "signed",  "long",
                                             "short",    "char",     "_Bool",     "size_t",   "ptrdiff_t",
                                             "int8_t",   "int16_t",  "int32_t",   "int64_t",  "uint8_t", "uint16_t",
                                             "uint32_t", "uint64_t", "uintptr_t", "void"};
  if (scalars.count(t)) return 8;
  if (target.simd && t == target.simd->type()) return target.simd->width() * 4;
  if (t.rfind("__m", 0) == 0 && t.size() > 3 && std::isdigit(static_cast<unsigned char>(t[3])))
    return std::stoll(t.substr(3)) / 8;  // __m128, __m256i, __m512d: the digits are the bits
  // NEON: <base><bits>x<lanes>[x<count>]_t, e.g. float32x4_t, float32x4x2_t.
  if (t.size() > 2 && t.compare(t.size() - 2, 2, "_t") == 0 && t.find('x') != std::string::npos) {
    size_t i = 0;
    while (i < t.size() && std::isalpha(static_cast<unsigned char>(t[i]))) ++i;
    std::vector<int64_t> numbers;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) {
      size_t used = 0;
      numbers.push_back(std::stoll(t.substr(i), &used));
      i += used;
      if (i < t.size() && t[i] == 'x') ++i;
    }
    if (numbers.size() >= 2) {
      int64_t bits = 1;
      for (int64_t n : numbers) bits *= n;
      return bits / 8;
    }
  }
  return 0;
}

int64_t round_up(int64_t v, int64_t to) { return (v + to - 1) / to * to; }

// The intrinsics the target's vector dialect prints (each name followed by '(' in what its operations print).
std::set<std::string> dialect_intrinsics(const VectorDialect *d) {
  std::set<std::string> names;
  if (!d) return names;
  std::vector<std::string> printed = {d->load("p"),      d->store("p", "v"),   d->splat("s"),    d->zero(),
                                      d->fma("a", "b", "c"), d->max("a", "b"), d->min("a", "b"), d->add("a", "b")};
  if (d->has_load2()) printed.push_back(d->load2("p"));
  if (d->load2_needs_order()) printed.push_back(d->load2_order("v"));
  for (const std::string &text : printed) {
    const std::vector<std::string> t = tokenize(text);
    for (size_t i = 0; i + 1 < t.size(); ++i)
      if (is_identifier(t[i]) && t[i + 1] == "(") names.insert(t[i]);
  }
  return names;
}

class FrameScanner {
 public:
  FrameScanner(std::vector<std::string> tokens, const TargetDesc &target, const std::set<std::string> &module_functions)
      : t_(std::move(tokens)), target_(target), module_functions_(module_functions),
        intrinsics_(dialect_intrinsics(target.simd)) {}

  int64_t bound() {
    // The definition: specifiers, name, '(' parameters ')', '{' body '}'. Parameters are spilled to the frame in
    // unoptimised builds, so they count like locals.
    size_t i = 0;
    while (i < t_.size() && t_[i] != "(") ++i;
    SHUFFLEC_ASSERT(i < t_.size());
    ++i;
    if (!(t_[i] == "void" && t_[i + 1] == ")"))
      while (t_[i] != ")") {
        const size_t end = declaration(i, {",", ")"});
        SHUFFLEC_ASSERT(end > i);  // every parameter is a declaration of a type we know
        i = t_[end] == "," ? end + 1 : end;
      }
    for (++i; i < t_.size(); ++i) {
      const std::string &tok = t_[i];
      if (tok == "{" || tok == "}" || tok == ";" || tok == "else") {
        if (i + 1 < t_.size()) i = declaration(i + 1, {";"}) - 1;
      } else if (tok == "for") {
        SHUFFLEC_ASSERT(t_[i + 1] == "(");
        i = declaration(i + 2, {";"}) - 1;
      } else {
        count_call(i);
      }
    }
    return kFrameFixedBytes + bytes_ + callee_bytes_;
  }

 private:
  // If a declaration starts at `i`, counts its objects and returns the index of its terminator (one of `ends`, at
  // nesting depth 0); otherwise returns `i` unchanged.
  size_t declaration(size_t i, const std::set<std::string> &ends) {
    bool is_static = false;
    int64_t base = 0;
    size_t j = i;
    for (; j < t_.size(); ++j) {
      if (qualifiers().count(t_[j])) {
        is_static |= t_[j] == "static";
      } else if (const int64_t b = type_bytes(t_[j], target_); b > 0) {
        base = std::max(base, b);
      } else {
        break;
      }
    }
    if (base == 0) {
      // Not a declaration, unless it is one of a type we do not know: `T x` or `T *x` at a statement's start.
      SHUFFLEC_ASSERT(!(is_identifier(t_[i]) && !keywords().count(t_[i]) && i + 1 < t_.size() &&
                        (is_identifier(t_[i + 1]) || t_[i + 1] == "*")));
      return i;
    }
    // Declarators, separated by top-level commas: [*...] name [N]... [= initializer].
    while (j < t_.size()) {
      bool pointer = false;
      while (t_[j] == "*" || qualifiers().count(t_[j])) pointer |= t_[j++] == "*";
      SHUFFLEC_ASSERT(is_identifier(t_[j]));
      ++j;
      int64_t count = 1;
      while (t_[j] == "[") {
        const std::string &n = t_[j + 1];
        // A size that is not an integer literal would be a VLA, whose stack no bound covers.
        const bool literal = !n.empty() && std::all_of(n.begin(), n.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c)) != 0;
        });
        SHUFFLEC_ASSERT(literal && t_[j + 2] == "]");
        count *= std::stoll(n);
        j += 3;
      }
      const int64_t elem = pointer ? 8 : base;
      if (!is_static) bytes_ += round_up(elem * count, std::max(kSlotAlign, pointer ? 0 : base));
      int depth = 0;
      for (; j < t_.size(); ++j) {
        const std::string &tok = t_[j];
        if (depth == 0 && (tok == "," || ends.count(tok))) break;
        if (tok == "(" || tok == "[" || tok == "{") ++depth;
        if (tok == ")" || tok == "]" || tok == "}") --depth;
        count_call(j);  // calls inside initializers count like any other
      }
      SHUFFLEC_ASSERT(j < t_.size());
      if (t_[j] != "," || ends.count(",")) return j;
      ++j;
    }
    SHUFFLEC_ASSERT(false);
    return j;
  }

  // A call at `i`: an intrinsic's operands in this frame, or a library function's frame below it. Calls of the
  // module's own functions are the caller's to add.
  void count_call(size_t i) {
    const std::string &name = t_[i];
    if (!is_identifier(name) || i + 1 >= t_.size() || t_[i + 1] != "(" || keywords().count(name) ||
        type_bytes(name, target_) > 0 || module_functions_.count(name))
      return;
    if (intrinsics_.count(name))
      bytes_ += kIntrinsicVectorSlots * round_up(target_.simd->width() * 4, kSlotAlign);
    else if (target_.int8 && Int8Dialect::is_helper(name))  // the SIMD int8 helpers (runtime/shufflec_int8_<isa>.h)
      callee_bytes_ = std::max(callee_bytes_, target_.int8->helper_stack_bytes());
    else
      callee_bytes_ = std::max(callee_bytes_, kLibraryCallBytes);
  }

  std::vector<std::string> t_;
  const TargetDesc &target_;
  const std::set<std::string> &module_functions_;
  std::set<std::string> intrinsics_;
  int64_t bytes_ = 0;         // automatic objects and inlined intrinsics' operands
  int64_t callee_bytes_ = 0;  // the deepest library callee
};

}  // namespace

int64_t c_function_stack_bound(std::string_view function_text, const TargetDesc &target,
                               const std::set<std::string> &module_functions) {
  return FrameScanner(tokenize(function_text), target, module_functions).bound();
}

}  // namespace shufflec
