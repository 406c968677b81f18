// SPDX-License-Identifier: MIT
// ward/fmt.hpp with the fmt library: the shared cases (format_cases.hpp) through fmt::vformat,
// format strings checked when compiled, fmt::format_to_n into a short buffer, fmt::to_string, and
// a range of sets through <fmt/ranges.h> while the permission enum has a formatter of its own.
#include "format_support/format_cases.hpp"
#include <ward/fmt.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

static_assert(WARD_HAS_FMT == 1, "ward/fmt.hpp found no <fmt/format.h>");

// A permission enum with a formatter of its own: sets of it are still formatted by ward, not as a
// range of enum values.
template <>
struct fmt::formatter<wt::ident> : fmt::formatter<int> {
    auto format(wt::ident p, fmt::format_context& ctx) const -> decltype(ctx.out()) {
        return fmt::formatter<int>::format(static_cast<int>(p), ctx);
    }
};

namespace {

struct fmt_format {
    template <class T>
    std::string operator()(std::string_view spec, const T& value) const {
        return fmt::vformat(spec, fmt::make_format_args(value));
    }
};

#if defined(__cpp_exceptions)
struct fmt_format_throws {
    template <class T>
    bool operator()(std::string_view spec, const T& value) const {
        try {
            (void)fmt::vformat(spec, fmt::make_format_args(value));
        } catch (const fmt::format_error&) { return true; }
        return false;
    }
};
#endif

} // namespace

TEST_CASE("fmt: the shared cases", "[format][fmt]") { wt_format::check_format_cases(fmt_format{}); }

#if defined(__cpp_exceptions)
TEST_CASE("fmt: a spec ward does not understand is a fmt::format_error", "[format][fmt]") {
    wt_format::check_rejected_specs(fmt_format_throws{});
}
#endif

TEST_CASE("fmt: format strings checked when compiled; format_to_n; to_string", "[format][fmt]") {
    const wt_format::set s = wt_format::three();
    CHECK(fmt::format(FMT_STRING("{:,} / {:>9} / {}"), s, ward::reason::granted, ward::errc::too_many) ==
          "authenticate,list_users,sudo /   granted / too many");
    CHECK(fmt::format("[{:^12}]", ward::row_kind::grant) == "[   grant    ]");
    CHECK(fmt::to_string(s) == "authenticate list_users sudo");

    std::array<char, 10> buf{};
    const auto r = fmt::format_to_n(buf.data(), buf.size(), "{}", s);
    CHECK(r.size == ward::formatted_size(s));
    CHECK(std::string_view(buf.data(), buf.size()) == "authentica");
}

TEST_CASE("fmt: a range of sets, the enum formattable on its own", "[format][fmt]") {
    const std::vector<wt_format::set> v{wt_format::three(), {}};
    CHECK(fmt::format("{}", v) == "[authenticate list_users sudo, ]");
    CHECK(fmt::format("{}", wt::ident::sudo) == "29");
}
