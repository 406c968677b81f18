// SPDX-License-Identifier: MIT
// What the store's triggers track, whatever the database: the Provisioning tables whose writes
// leave versions (the audit trail) and how each column shows in a version's changes, and the tables
// whose writes change a policy (policy_changes). store.cpp makes SQLite's triggers of them; another
// database's store makes its own from the same lists. Expressions are SQL that both understand:
// `R.` stands for the row (NEW or OLD).
#ifndef WARD_SERVICE_STORE_SCHEMA_HPP
#define WARD_SERVICE_STORE_SCHEMA_HPP

#include <utility>
#include <vector>

namespace ward_service {

/// How a column shows in a version's changes: as stored (text or number), as true/false, as the
/// JSON it holds, or, for a secret, only whether it is set ("[FILTERED]").
enum class shown { text, flag, json, secret };

struct tracked_column {
    const char* name;
    shown as = shown::text;
    const char* key = nullptr; ///< its name in the changes, when not `name`
};

/// A table whose rows are Provisioning records. Expressions use `R.` for the row (NEW or OLD).
struct tracked_table {
    const char* name;
    const char* resource_type;
    const char* organization; ///< the record's organization
    const char* scope;        ///< where reading it is decided
    const char* environment;  ///< where once `scope` is gone, or NULL
    std::vector<tracked_column> columns;
};

inline const char* const credential_environment =
    "(SELECT organization_id || '/' || mode FROM cl_api_credentials WHERE id = R.api_credential_id)";

/// A table of records an organization owns (`R.organization_id`), read at the organization.
inline tracked_table of_organization(const char* name, const char* resource_type, std::vector<tracked_column> columns) {
    columns.insert(columns.begin(), tracked_column{"organization_id"});
    return {name, resource_type, "R.organization_id", "R.organization_id", "NULL", std::move(columns)};
}

inline const std::vector<tracked_table>& tracked_tables() {
    static const std::vector<tracked_table> tables = {
        {"cl_organizations", "organizations", "R.id", "R.id", "NULL", {{"name"}}},
        of_organization("cl_roles", "roles", {{"name"}, {"kind"}}),
        {"cl_permissions",
         "permissions",
         "(SELECT organization_id FROM cl_roles WHERE id = R.role_id)",
         "(SELECT organization_id FROM cl_roles WHERE id = R.role_id)",
         "NULL",
         {{"role_id"},
          {"subject_class"},
          {"can_create", shown::flag},
          {"can_read", shown::flag},
          {"can_update", shown::flag},
          {"can_destroy", shown::flag}}},
        of_organization("cl_memberships", "memberships",
                        {{"user_id"}, {"role_id"}, {"owner", shown::flag}, {"access_scope"}}),
        of_organization("cl_membership_profiles", "membership_profiles", {{"name"}, {"access_scope"}}),
        of_organization(
            "cl_identity_providers", "identity_providers",
            {{"name"}, {"issuer"}, {"client_id"}, {"client_secret", shown::secret}, {"domains", shown::json}}),
        // An API credential is read at its own scope, and once gone at its mode's environment.
        {"cl_api_credentials",
         "api_credentials",
         "R.organization_id",
         "R.id",
         "R.organization_id || '/' || R.mode",
         {{"organization_id"}, {"name"}, {"kind"}, {"mode"}, {"role_id"}, {"client_id"}}},
        // A membership's application memberships go with it (a cascade, after the membership):
        // their organization is their credential's, which outlives them.
        {"cl_application_memberships",
         "application_memberships",
         "(SELECT organization_id FROM cl_api_credentials WHERE id = R.api_credential_id)",
         "R.api_credential_id",
         credential_environment,
         {{"membership_id"}, {"api_credential_id"}, {"kind"}, {"permissions"}}},
    };
    return tables;
}

/// The three events of a record's version triggers: the version's event, SQL's, and the rows the
/// trigger has ("NEW", "OLD"; "" for none).
struct trigger_event {
    const char *event, *sql_event, *old_row, *new_row;
};
inline constexpr trigger_event trigger_events[] = {
    {"create", "INSERT", "", "NEW"}, {"update", "UPDATE", "OLD", "NEW"}, {"destroy", "DELETE", "OLD", ""}};

/// A table whose writes change a policy: its name and the key a change is logged under.
struct changed_table {
    const char* name;
    const char* key;
};

inline constexpr changed_table changed_tables[] = {
    {"organizations", "id"},
    {"applications", "id"},
    {"users", "id"},
    {"cl_organizations", "id"},
    {"cl_roles", "id"},
    {"cl_permissions", "role_id"},
    {"cl_memberships", "id"},
    {"cl_membership_profiles", "id"},
    {"cl_membership_profile_links", "membership_id"},
    {"cl_api_credentials", "id"},
    {"cl_application_memberships", "membership_id"},
    {"bb_organizations", "id"},
    {"bb_roles", "id"},
    {"bb_users", "id"},
    {"bb_user_roles", "user_id"},
};

} // namespace ward_service

#endif
