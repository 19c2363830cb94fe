#include "http/problem.hpp"

#include <boost/json.hpp>

namespace cerulean::http {

Response ProblemResponse(const Problem& problem) {
    boost::json::object body;
    body["type"] = "about:blank";
    body["title"] = ReasonPhrase(problem.status);
    body["status"] = problem.status;
    body["detail"] = problem.detail;
    body["code"] = problem.code;
    if (!problem.azure_code.empty()) body["azure_code"] = problem.azure_code;
    if (!problem.errors.empty()) {
        boost::json::array errors;
        for (const auto& error : problem.errors) {
            errors.push_back(
                boost::json::object{{"field", error.field}, {"message", error.message}});
        }
        body["errors"] = std::move(errors);
    }
    // Extensions never replace a standard member.
    for (const auto& [key, value] : problem.extensions) body.emplace(key, value);
    return TextResponse(problem.status, boost::json::serialize(body), "application/problem+json");
}

}  // namespace cerulean::http
