#pragma once

#include "core/error.hpp"
#include "http/problem.hpp"

namespace cerulean::api {

/// The one place where Cerulean's error codes become HTTP statuses.
int HttpStatusOf(core::ErrorCode code) noexcept;

/// The problem-details response for `error`: its status, its reason (or the code's default
/// name) as `code`, its message as `detail`, its invalid fields as `errors`, and `extensions`
/// as further members.
http::Response ErrorResponse(const core::Error& error, boost::json::object extensions = {});

}  // namespace cerulean::api
