#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"
#include "http/response.hpp"

namespace cerulean::http {

/// A request handler: a coroutine from request to response.
using Handler = std::function<Task<Response>(Request&)>;

/// Routes by method and path pattern. Patterns are literal segments and typed parameters:
/// `/connections/{id:int}/containers/{container}`; `{name}` matches one non-empty segment
/// (percent-decoded into the parameter), `{name:int}` a positive decimal integer. A literal
/// segment wins over a parameter where both would match.
class Router {
 public:
    /// One registered route.
    struct Route {
        std::string method;   ///< upper-case method
        std::string pattern;  ///< the pattern as registered
        Handler handler;      ///< what runs
        /// The route's metrics (labelled with RouteLabel(pattern)); for GET routes
        /// `head_metrics` counts the HEAD requests they answer.
        RouteMetrics* metrics = nullptr;
        RouteMetrics* head_metrics = nullptr;  ///< see `metrics`
    };

    /// The outcome of a lookup.
    struct Match {
        const Handler* handler = nullptr;  ///< null when nothing matched
        std::vector<std::string>
            allowed;  ///< methods the path allows, when only the method differs
    };

    /// Registers `handler` for `method` on `pattern`. HEAD is answered by GET routes.
    void Add(std::string_view method, std::string_view pattern, Handler handler);

    /// Finds the handler of `request` and stores its path parameters and its route in it.
    Match Find(Request& request) const;

    /// Every route, in registration order (the OpenAPI document is checked against these).
    [[nodiscard]] const std::vector<Route>& routes() const { return routes_; }

 private:
    struct Segment {
        enum class Kind { kLiteral, kString, kInt } kind;
        std::string text;  // literal text or parameter name
    };
    struct Compiled {
        std::vector<Segment> segments;
        int literal_count = 0;
    };

    std::vector<Route> routes_;
    std::vector<Compiled> compiled_;
    /// The routes of each segment count, in registration order: a path is compared with those
    /// of its own count only.
    std::vector<std::vector<std::size_t>> by_segments_;
};

}  // namespace cerulean::http
