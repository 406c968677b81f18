// SPDX-License-Identifier: MIT
/// \file ward/error.hpp
/// Error codes shared by every parser and by the policy builder, in the style of std::errc.
#ifndef WARD_ERROR_HPP
#define WARD_ERROR_HPP

#include <cstddef>
#include <string_view>

namespace ward {

/// Why a parse or a build step failed. `ok` (zero) is success; every other value means the result
/// holds nothing (fail closed).
enum class errc : unsigned char {
    ok = 0,
    empty_input,        ///< nothing to parse where something is required
    empty_name,         ///< an empty item: repeated, leading or trailing separator, or "" in a list
    unknown_name,       ///< a well-formed name the vocabulary does not define
    invalid_character,  ///< a byte that may not appear here (control, NUL, space inside a name, ...)
    input_too_long,     ///< longer than WARD_MAX_INPUT_LENGTH
    unknown_bit,        ///< an integer mask with a bit the vocabulary does not define
    value_out_of_range, ///< a number that does not fit
    malformed,          ///< input of the wrong shape (a subject without a kind, a bad number, ...)
    unknown_kind,       ///< a subject or scope kind that is not accepted
    buffer_too_small,   ///< a format call's output buffer cannot hold the result
    // policy building
    duplicate_id,       ///< a scope, role or principal id defined twice
    unknown_scope,      ///< a row names a scope that was not defined
    unknown_role,       ///< a row names a role that was not defined
    unknown_principal,  ///< a row names a principal that was not defined
    wrong_scope_kind,   ///< a scope placed under a parent of a kind it may not have
    role_cycle,         ///< roles inherit from each other in a cycle
    scope_cycle,        ///< scopes are parents of each other in a cycle
    invalid_id,         ///< an id that is empty, too long or holds a forbidden byte
    too_many,           ///< more rows of a kind than a snapshot can index
    invalid_role_table, ///< a compile-time role table that failed its own checks
    unknown_row,        ///< a row number never added, already removed, or of a row that cannot be removed
};

/// A short, stable, human-readable name for an error code.
[[nodiscard]] constexpr std::string_view to_string(errc e) noexcept {
    switch (e) {
    case errc::ok: return "ok";
    case errc::empty_input: return "empty input";
    case errc::empty_name: return "empty name";
    case errc::unknown_name: return "unknown name";
    case errc::invalid_character: return "invalid character";
    case errc::input_too_long: return "input too long";
    case errc::unknown_bit: return "unknown bit";
    case errc::value_out_of_range: return "value out of range";
    case errc::malformed: return "malformed";
    case errc::unknown_kind: return "unknown kind";
    case errc::buffer_too_small: return "buffer too small";
    case errc::duplicate_id: return "duplicate id";
    case errc::unknown_scope: return "unknown scope";
    case errc::unknown_role: return "unknown role";
    case errc::unknown_principal: return "unknown principal";
    case errc::wrong_scope_kind: return "wrong scope kind";
    case errc::role_cycle: return "role cycle";
    case errc::scope_cycle: return "scope cycle";
    case errc::invalid_id: return "invalid id";
    case errc::too_many: return "too many";
    case errc::invalid_role_table: return "invalid role table";
    case errc::unknown_row: return "unknown row";
    }
    return "unknown error";
}

/// The result of a parse: a value, an error code, and where the bad input starts.
/// On error `value` is always the empty/default value, never a partial result. Discarding one is
/// a compile warning: a result that is not looked at cannot fail closed.
template <class T>
struct [[nodiscard]] parse_result {
    T value{};
    errc ec = errc::ok;
    std::size_t position = 0; ///< byte offset (strings), item index (lists) or bit index (integers)
    std::size_t skipped = 0;  ///< lenient mode: how many unknown names were skipped (never granted)

    constexpr explicit operator bool() const noexcept { return ec == errc::ok; }
};

/// The result of formatting into a caller's buffer, as std::to_chars_result.
struct [[nodiscard]] format_result {
    char* ptr = nullptr; ///< one past the last byte written (== first on error)
    errc ec = errc::ok;
    constexpr explicit operator bool() const noexcept { return ec == errc::ok; }
};

/// How a parser treats well-formed names the vocabulary does not define.
enum class parse_mode : unsigned char {
    strict,  ///< an unknown name is an error (the default)
    lenient, ///< unknown names are skipped and counted (never granted); empty items are skipped
};

} // namespace ward

#endif
