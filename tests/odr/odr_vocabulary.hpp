// SPDX-License-Identifier: MIT
#ifndef WARD_TESTS_ODR_VOCABULARY_HPP
#define WARD_TESTS_ODR_VOCABULARY_HPP
#include <ward/vocabulary.hpp>
namespace odr {
enum class perm : unsigned { read, write };
}
template <>
struct ward::permission_traits<odr::perm> {
    static constexpr ward::permission_name<odr::perm> names[] = {{odr::perm::read, "read"},
                                                                 {odr::perm::write, "write"}};
};
#endif
