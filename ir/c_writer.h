// A tiny indenting printer for emitted C. Emitters print through it so indentation and braces stay consistent.
#pragma once
#include <string>

#include <fmt/format.h>

namespace shufflec {

class CWriter {
 public:
  template <typename... A>
  void line(fmt::format_string<A...> f, A &&...args) {
    text_.append(static_cast<size_t>(indent_) * 2, ' ');
    fmt::format_to(std::back_inserter(text_), f, std::forward<A>(args)...);
    text_ += '\n';
  }
  // Prints the line followed by " {" and indents until the matching close().
  template <typename... A>
  void open(fmt::format_string<A...> f, A &&...args) {
    text_.append(static_cast<size_t>(indent_) * 2, ' ');
    fmt::format_to(std::back_inserter(text_), f, std::forward<A>(args)...);
    text_ += " {\n";
    ++indent_;
  }
  void close(std::string_view trailer = "") {
    --indent_;
    text_.append(static_cast<size_t>(indent_) * 2, ' ');
    text_ += '}';
    text_ += trailer;
    text_ += '\n';
  }
  void blank() { text_ += '\n'; }
  void raw(std::string_view s) { text_ += s; }
  std::string &text() { return text_; }

 private:
  std::string text_;
  int indent_ = 0;
};

}  // namespace shufflec
