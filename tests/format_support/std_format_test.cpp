// SPDX-License-Identifier: MIT
// ward/std_format.hpp with std::format: the shared cases (format_cases.hpp) through std::vformat,
// format strings checked when compiled, std::format_to_n and std::formatted_size. Built only where
// the standard library defines __cpp_lib_format (tests/format_support/CMakeLists.txt).
#include "format_support/format_cases.hpp"
#include <ward/std_format.hpp>

#include <array>
#include <cstddef>
#include <format>
#include <string>
#include <string_view>

static_assert(WARD_HAS_STD_FORMAT == 1, "ward/std_format.hpp found no std::format");

namespace {

struct std_format {
    template <class T>
    std::string operator()(std::string_view spec, const T& value) const {
        return std::vformat(spec, std::make_format_args(value));
    }
};

#if defined(__cpp_exceptions)
struct std_format_throws {
    template <class T>
    bool operator()(std::string_view spec, const T& value) const {
        try {
            (void)std::vformat(spec, std::make_format_args(value));
        } catch (const std::format_error&) { return true; }
        return false;
    }
};
#endif

} // namespace

TEST_CASE("std::format: the shared cases", "[format][std_format]") { wt_format::check_format_cases(std_format{}); }

#if defined(__cpp_exceptions)
TEST_CASE("std::format: a spec ward does not understand is a std::format_error", "[format][std_format]") {
    wt_format::check_rejected_specs(std_format_throws{});
}
#endif

TEST_CASE("std::format: format strings checked when compiled; format_to_n; formatted_size", "[format][std_format]") {
    const wt_format::set s = wt_format::three();
    CHECK(std::format("{:,} / {:>9} / {}", s, ward::reason::granted, ward::errc::too_many) ==
          "authenticate,list_users,sudo /   granted / too many");
    CHECK(std::formatted_size("{}", s) == ward::formatted_size(s));

    std::array<char, 10> buf{};
    const auto r = std::format_to_n(buf.data(), static_cast<std::ptrdiff_t>(buf.size()), "{}", s);
    CHECK(static_cast<std::size_t>(r.size) == ward::formatted_size(s));
    CHECK(std::string_view(buf.data(), buf.size()) == "authentica");
}
