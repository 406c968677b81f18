// SPDX-License-Identifier: MIT
// Bluebricks on Auth0 in ward: prints the acceptance table (every documented rule as a
// request, the status written from the documents, and ward's decision) and what the model shows.
#include "bluebricks.hpp"

#include <cstdio>

int main() {
    const bluebricks::report r = bluebricks::run();

    std::printf("== bluebricks on auth0: users, roles, tokens ==\n");
    const int wrong = acceptance::print(r.rows, "Bluebricks'");

    std::printf("\n== what the model shows ==\n");
    for (const auto& n : r.notes) std::printf("%s\n", n.c_str());
    return r.rows.empty() || wrong != 0 ? 1 : 0;
}
