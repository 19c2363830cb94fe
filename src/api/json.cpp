#include "api/json.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"

namespace cerulean::api {

http::Response JsonResponse(int status, const boost::json::value& body) {
    return JsonText(status, boost::json::serialize(body));
}

http::Response JsonText(int status, std::string body) {
    return http::TextResponse(status, std::move(body), "application/json; charset=utf-8");
}

boost::json::value TimeOrNull(const std::optional<core::UnixMillis>& t) {
    if (!t) return nullptr;
    return boost::json::string(core::FormatRfc3339(*t));
}

boost::json::object ParseJsonObject(std::string_view body) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(body, ec);
    if (ec) {
        throw core::Error(core::ErrorCode::kInvalidArgument,
                          "the request body is not valid JSON: " + ec.message(), "invalid_json");
    }
    if (!value.is_object()) {
        throw core::Error(core::ErrorCode::kInvalidArgument,
                          "the request body must be a JSON object", "invalid_json");
    }
    return std::move(value.as_object());
}

}  // namespace cerulean::api
