#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "http/response.hpp"

namespace cerulean::http {

/// An RFC 9457 problem-details object as the API contract shapes it.
struct Problem {
    int status = 500;                      ///< HTTP status
    std::string code;                      ///< Cerulean's stable code, e.g. "connection_not_found"
    std::string detail;                    ///< readable sentence for this occurrence
    std::string azure_code;                ///< Azure's error code, when the failure came from Azure
    std::vector<core::FieldError> errors;  ///< invalid fields (422)
    boost::json::object extensions;        ///< further members of this occurrence (RFC 9457 §3.2)
};

/// Renders `problem` as `application/problem+json`; `title` is the status's reason phrase.
Response ProblemResponse(const Problem& problem);

}  // namespace cerulean::http
