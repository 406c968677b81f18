// SPDX-License-Identifier: MIT
// The acceptance tables the service examples print: one row per documented rule, with the status
// the service's documents give and the status and reason ward gives.
#ifndef WARD_EXAMPLES_ACCEPTANCE_TABLE_HPP
#define WARD_EXAMPLES_ACCEPTANCE_TABLE_HPP

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

namespace acceptance {

struct outcome {
    std::string request;
    std::string credential;
    int expected; ///< the status the service's documents give
    int status;   ///< the status ward's decision maps to
    std::string reason;
};

/// Prints the rows as aligned columns, marks a row whose status differs with "!!", and ends with
/// a count; returns how many rows differ.
inline int print(const std::vector<outcome>& rows, const char* service) {
    std::size_t w_req = 7, w_cred = 10;
    for (const auto& o : rows) {
        w_req = o.request.size() > w_req ? o.request.size() : w_req;
        w_cred = o.credential.size() > w_cred ? o.credential.size() : w_cred;
    }
    std::printf("%-*s  %-*s  %s  %s\n", int(w_req), "request", int(w_cred), "credential", "status", "reason");
    int wrong = 0;
    for (const auto& o : rows) {
        const bool ok = o.status == o.expected;
        wrong += ok ? 0 : 1;
        std::printf("%-*s  %-*s  %d%s  %s\n", int(w_req), o.request.c_str(), int(w_cred), o.credential.c_str(),
                    o.status, ok ? "   " : " !!", o.reason.c_str());
        if (!ok) std::printf("%-*s  expected %d\n", int(w_req + w_cred + 2), "", o.expected);
    }
    std::printf("\n%zu rows, %d differ from %s documented behaviour\n", rows.size(), wrong, service);
    return wrong;
}

} // namespace acceptance

#endif
