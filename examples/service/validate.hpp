// SPDX-License-Identifier: MIT
// Input validation: the shapes of ids in paths and bodies, and the fields of a JSON body. Every
// refusal is a 400 (see http.hpp's fail) whose message shows the offending value safely.
#ifndef WARD_SERVICE_VALIDATE_HPP
#define WARD_SERVICE_VALIDATE_HPP

#include <nlohmann/json.hpp>

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace ward_service {

/// ASCII letters to lower case, in place (ids and media types; never user text).
void lower_ascii(std::string& s);

/// 8-4-4-4-12 hexadecimal.
bool is_uuid(std::string_view s);

/// Provisioning ids: "org_acme", "mem_3fK9...": a lower-case prefix, "_", then [A-Za-z0-9_].
bool is_record_id(std::string_view s, std::string_view prefix);

/// Auth0 user ids: "auth0|alice", "google-oauth2|dan", "prov0|1234567890".
bool is_provider_id(std::string_view s);

/// Bluebricks role ids: "rol_" and up to 40 letters and digits.
bool is_role_id(std::string_view s);

/// Shows an untrusted value in a message: at most 64 bytes, control and non-ASCII bytes escaped.
std::string printable(std::string_view s);

/// A 400 `unknown_field` for any member of `object` not in `allowed` (`where` names the object).
void allow_only(const nlohmann::json& object, std::initializer_list<std::string_view> allowed,
                std::string_view where = "");

/// A string field: absent gives nullopt (or a 400 when required); present, it must be a string of
/// `min`..`max` bytes.
std::optional<std::string> string_field(const nlohmann::json& object, const char* name, std::size_t min,
                                        std::size_t max, bool required);

/// A boolean field: absent (or null) gives nullopt.
std::optional<bool> bool_field(const nlohmann::json& object, const char* name);

/// The "email" field: "" when absent and not required.
std::string email_field(const nlohmann::json& object, bool required);

/// An RFC 3339 UTC timestamp as `YYYY-MM-DDTHH:MM:SS[.f]Z` (upper-case 'T' and 'Z', one to three
/// fraction digits, a real calendar date, seconds 00 to 59, year 0001 to 9999), normalized to
/// milliseconds: "2021-02-09T14:37:33.384Z". nullopt for anything else (offsets, finer fractions,
/// 2021-02-30).
std::optional<std::string> utc_timestamp(std::string_view text);

/// A field that may be set or cleared: absent gives nullopt, null gives a present nullopt.
template <class T>
using settable = std::optional<std::optional<T>>;

/// A timestamp field (see utc_timestamp): absent, null (cleared) or a timestamp, normalized; a
/// 400 for any other value.
settable<std::string> timestamp_field(const nlohmann::json& object, const char* name);

/// Bounds of the users' `metadata` object: its compact text, and its nesting (the object itself
/// is level 1).
inline constexpr std::size_t max_metadata_bytes = 4096;
inline constexpr int max_metadata_depth = 4;

/// The "metadata" field: absent gives nullopt; present, a JSON object whose `app_metadata` and
/// `user_metadata`, when present, are objects, within the bounds above; a 400 otherwise (null
/// too: `{}` clears it).
std::optional<nlohmann::json> metadata_field(const nlohmann::json& object);

} // namespace ward_service

#endif
