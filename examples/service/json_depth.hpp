// SPDX-License-Identifier: MIT
// The one JSON nesting scanner: request bodies (http.cpp) and token headers and payloads
// (crypto.cpp) are refused before they are parsed when they nest too deep.
#ifndef WARD_SERVICE_JSON_DEPTH_HPP
#define WARD_SERVICE_JSON_DEPTH_HPP

#include <string_view>

namespace ward_service {

/// Whether `text` nests arrays and objects deeper than `limit`. Brackets inside strings do not
/// count. On text that is not JSON the answer does not matter: the parser refuses it anyway.
/// The parser itself is not recursive, but parsed values go on to code that is (dump, copies,
/// comparisons), so nothing deeply nested gets that far.
inline bool nests_deeper_than(std::string_view text, int limit) noexcept {
    int depth = 0;
    bool in_string = false, escaped = false;
    for (const char ch : text) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (ch == '\\') escaped = true;
            else if (ch == '"') in_string = false;
        } else if (ch == '"') {
            in_string = true;
        } else if (ch == '{' || ch == '[') {
            if (++depth > limit) return true;
        } else if (ch == '}' || ch == ']') {
            --depth;
        }
    }
    return false;
}

} // namespace ward_service

#endif
