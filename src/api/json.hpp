#pragma once

#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <optional>
#include <string_view>

#include "core/clock.hpp"
#include "http/response.hpp"

namespace cerulean::api {

/// A JSON response (`application/json; charset=utf-8`).
http::Response JsonResponse(int status, const boost::json::value& body);

/// A response of JSON text the caller has already written.
http::Response JsonText(int status, std::string body);

/// `value` as JSON, or null when there is none.
template <class T>
boost::json::value OrNull(const std::optional<T>& value) {
    if (!value) return nullptr;
    return boost::json::value_from(*value);
}

/// An RFC 3339 time, or null when there is none.
boost::json::value TimeOrNull(const std::optional<core::UnixMillis>& t);

/// Parses a request body as a JSON object; throws core::Error (kInvalidArgument,
/// "invalid_json") for malformed JSON or a non-object.
boost::json::object ParseJsonObject(std::string_view body);

}  // namespace cerulean::api
