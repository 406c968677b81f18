// SPDX-License-Identifier: MIT
/// \file ward/ward.hpp
/// The umbrella header: everything ward offers.
#ifndef WARD_WARD_HPP
#define WARD_WARD_HPP

#include "builder.hpp"
#include "claims.hpp"
#include "config.hpp"
#include "credential.hpp"
#include "decision.hpp"
#include "error.hpp"
#include "explain.hpp"
#include "format.hpp"
#include "live.hpp"
#include "parse.hpp"
#include "permission_set.hpp"
#include "policy.hpp"
#include "product.hpp"
#include "query.hpp"
#include "role.hpp"
#include "scope.hpp"
#include "snapshot.hpp"
#include "subject.hpp"
#include "version.hpp"
#include "view.hpp"
#include "vocabulary.hpp"
#include "writer.hpp"

#endif
