#include "neurocma/io/json_file.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "neurocma/core/error.hpp"

namespace neurocma {
namespace {

// One open container while scanning: its kind and where the scan is in it.
struct Level {
  bool array = false;
  long index = 0;   // arrays: the element being read
  std::string key;  // objects: the last key read
};

std::string key_path(const std::vector<Level>& stack) {
  std::string s;
  for (const Level& l : stack) {
    if (l.array)
      s += "[" + std::to_string(l.index) + "]";
    else if (!l.key.empty())
      s += (s.empty() ? "" : ".") + l.key;
  }
  return s.empty() ? "top level" : s;
}

// A pass over the text before nlohmann's parser sees it: nesting depth and
// numbers that overflow a double (nlohmann reports those without a position).
// Syntax errors are left to the parser, which names the line and column.
void prescan(const std::string& text, const std::string& path) {
  std::vector<Level> stack;
  int line = 1;
  std::size_t line_start = 0;
  auto where = [&](std::size_t i) {
    return path + ": line " + std::to_string(line) + ", column " +
           std::to_string(i - line_start + 1) + ": " + key_path(stack) + ": ";
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      line_start = i + 1;
    } else if (c == '{' || c == '[') {
      if (static_cast<int>(stack.size()) >= kMaxJsonDepth)
        throw ConfigError(where(i) + "nested deeper than " + std::to_string(kMaxJsonDepth) +
                          " levels; expected a config a few levels deep");
      stack.push_back({c == '[', 0, ""});
    } else if (c == '}' || c == ']') {
      if (!stack.empty()) stack.pop_back();
    } else if (c == ',') {
      if (!stack.empty() && stack.back().array) ++stack.back().index;
    } else if (c == '"') {
      std::size_t j = i + 1;
      std::string s;
      while (j < text.size() && text[j] != '"') {
        if (text[j] == '\\' && j + 1 < text.size()) ++j;
        if (text[j] == '\n') break;  // malformed; the parser says where
        s += text[j++];
      }
      std::size_t k = j + 1;
      while (k < text.size() && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r')) ++k;
      if (k < text.size() && text[k] == ':' && !stack.empty() && !stack.back().array)
        stack.back().key = s;
      i = j;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      std::size_t j = i;
      while (j < text.size() &&
             (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '-' ||
              text[j] == '+' || text[j] == '.' || text[j] == 'e' || text[j] == 'E'))
        ++j;
      const std::string token = text.substr(i, j - i);
      errno = 0;
      const double v = std::strtod(token.c_str(), nullptr);
      if (errno == ERANGE && std::isinf(v))
        throw ConfigError(where(i) + "the number " + token +
                          " is beyond the range of a double (about 1.8e308)");
      i = j - 1;
    }
  }
}

}  // namespace

nlohmann::json parse_json_text(const std::string& text, const std::string& path) {
  if (text.size() > kMaxJsonBytes)
    throw ConfigError(path + ": " + std::to_string(text.size()) + " bytes; expected at most " +
                      std::to_string(kMaxJsonBytes >> 20) + " MiB of JSON");
  // A UTF-8 byte-order mark, as some editors write, is not JSON but is harmless.
  const std::size_t skip = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  const std::string body = text.substr(skip);
  prescan(body, path);
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    // nlohmann's message carries the line and column after "] ".
    std::string what = e.what();
    const auto p = what.find("] ");
    if (p != std::string::npos) what = what.substr(p + 2);
    throw ConfigError(path + ": malformed JSON: " + what);
  }
}

nlohmann::json read_json_file(const std::string& path, const std::string& what) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st))
    throw ConfigError(path + ": cannot open " + what + " (missing or unreadable)");
  if (!fs::is_regular_file(st))
    throw ConfigError(path + ": not a regular file (a directory or device); expected a JSON " +
                      what);
  const auto size = fs::file_size(path, ec);
  if (!ec && size > kMaxJsonBytes)
    throw ConfigError(path + ": " + std::to_string(size) + " bytes; expected a JSON " + what +
                      " of at most " + std::to_string(kMaxJsonBytes >> 20) + " MiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open " + what + " (missing or unreadable)");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_json_text(text.str(), path);
}

}  // namespace neurocma
