#pragma once

#include <boost/json/value.hpp>
#include <string_view>

#include "http/response.hpp"

namespace cerulean::api {

/// A JSON response (`application/json; charset=utf-8`).
http::Response JsonResponse(int status, const boost::json::value& body);

/// A response of JSON text the caller has already written.
http::Response JsonText(int status, std::string body);

/// Parses a request body as a JSON object; throws core::Error (kInvalidArgument,
/// "invalid_json") for malformed JSON or a non-object.
boost::json::object ParseJsonObject(std::string_view body);

}  // namespace cerulean::api
