#pragma once

#include "core/error.hpp"
#include "http/problem.hpp"

namespace cerulean::api {

/// The one place where Cerulean's error codes become HTTP statuses.
int HttpStatusOf(core::ErrorCode code) noexcept;

/// The problem-details response for `error`: its status, its reason (or the code's default
/// name) as `code`, its message as `detail`, and its invalid fields as `errors`.
http::Response ErrorResponse(const core::Error& error);

}  // namespace cerulean::api
