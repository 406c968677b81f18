// SPDX-License-Identifier: MIT
// Bluebricks on Auth0 in ward: prints the acceptance table (every documented rule as a
// request, the status written from the documents, and ward's decision) and what the model shows.
#include "bluebricks.hpp"

#include <cstdio>

int main() {
    const bluebricks::report r = bluebricks::run();

    std::printf("== bluebricks on auth0: users, roles, tokens ==\n");
    std::size_t w_req = 7, w_cred = 10;
    for (const auto& o : r.rows) {
        w_req = o.request.size() > w_req ? o.request.size() : w_req;
        w_cred = o.credential.size() > w_cred ? o.credential.size() : w_cred;
    }
    std::printf("%-*s  %-*s  %s  %s\n", int(w_req), "request", int(w_cred), "credential", "status", "reason");
    int wrong = 0;
    for (const auto& o : r.rows) {
        const bool ok = o.status == o.expected;
        wrong += ok ? 0 : 1;
        std::printf("%-*s  %-*s  %d%s  %s\n", int(w_req), o.request.c_str(), int(w_cred), o.credential.c_str(), o.status,
                    ok ? "   " : " !!", o.reason.c_str());
        if (!ok) std::printf("%-*s  expected %d\n", int(w_req + w_cred + 2), "", o.expected);
    }
    std::printf("\n%zu rows, %d differ from Bluebricks' documented behaviour\n", r.rows.size(), wrong);

    std::printf("\n== what the model shows ==\n");
    for (const auto& n : r.notes) std::printf("%s\n", n.c_str());
    return r.rows.empty() || wrong != 0 ? 1 : 0;
}
