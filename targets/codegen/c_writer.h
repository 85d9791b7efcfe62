// A small indenting printer for generated C. Kernels print through it so indentation and braces stay consistent:
// every brace a kernel opens is a Block object, closed when the Block goes out of scope, so the C's nesting is the
// C++ nesting of the code that prints it.
#pragma once
#include <string>
#include <utility>

#include <fmt/format.h>

namespace shufflec {

class CWriter {
 public:
  // An open "head {" ... "}" block; closes when destroyed (or at close(), to print a trailer such as ";").
  class [[nodiscard]] Block {
   public:
    explicit Block(CWriter &w) : w_(&w) {}
    Block(Block &&other) noexcept : w_(std::exchange(other.w_, nullptr)) {}
    Block(const Block &) = delete;
    Block &operator=(const Block &) = delete;
    Block &operator=(Block &&) = delete;
    ~Block() { close(); }
    void close(std::string_view trailer = "") {
      if (w_) std::exchange(w_, nullptr)->close_brace(trailer);
    }

   private:
    CWriter *w_;
  };

  template <typename... A>
  void line(fmt::format_string<A...> f, A &&...args) {
    text_.append(static_cast<size_t>(indent_) * 2, ' ');
    fmt::format_to(std::back_inserter(text_), f, std::forward<A>(args)...);
    text_ += '\n';
  }
  // Prints the head followed by " {" and indents until the returned Block ends. An empty head opens a bare scope.
  template <typename... A>
  Block block(fmt::format_string<A...> f, A &&...args) {
    text_.append(static_cast<size_t>(indent_) * 2, ' ');
    fmt::format_to(std::back_inserter(text_), f, std::forward<A>(args)...);
    text_ += " {\n";
    ++indent_;
    return Block(*this);
  }
  void blank() { text_ += '\n'; }
  void raw(std::string_view s) { text_ += s; }
  std::string &text() { return text_; }

 private:
  void close_brace(std::string_view trailer) {
    --indent_;
    text_.append(static_cast<size_t>(indent_) * 2, ' ');
    text_ += '}';
    text_ += trailer;
    text_ += '\n';
  }

  std::string text_;
  int indent_ = 0;
};

}  // namespace shufflec
