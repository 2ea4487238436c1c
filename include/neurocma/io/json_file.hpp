// Reading a JSON file a user names (a config, a reference table). What is not
// a regular file, is larger than kMaxJsonBytes, nests deeper than
// kMaxJsonDepth or holds a number beyond double range is refused with one
// line naming the file, the line and column, and the key.
#pragma once
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace neurocma {

constexpr std::size_t kMaxJsonBytes = std::size_t{16} << 20;  // 16 MiB
constexpr int kMaxJsonDepth = 32;

// Throws ConfigError naming `path`; `what` names the file's role in messages
// ("config file").
nlohmann::json read_json_file(const std::string& path, const std::string& what);

// The checks of read_json_file on text already in memory (`path` for messages).
nlohmann::json parse_json_text(const std::string& text, const std::string& path);

}  // namespace neurocma
