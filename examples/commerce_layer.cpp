// SPDX-License-Identifier: MIT
// Commerce Layer's Provisioning API in ward: prints the acceptance table (every documented rule as a
// request, the status written from the documents, and ward's decision) and what the model shows.
#include "commerce_layer.hpp"

#include <cstdio>

int main() {
    const commerce_layer::report r = commerce_layer::run();

    std::printf("== commerce layer provisioning: memberships, roles, access scopes, applications ==\n");
    const int wrong = acceptance::print(r.rows, "Commerce Layer's");

    std::printf("\n== what the model shows ==\n");
    for (const auto& n : r.notes) std::printf("%s\n", n.c_str());
    return r.rows.empty() || wrong != 0 ? 1 : 0;
}
