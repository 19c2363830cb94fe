#include "http/router.hpp"

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <charconv>
#include <cstdint>
#include <stdexcept>

#include "http/request_metrics.hpp"

namespace cerulean::http {
namespace {

// A path's segments; most paths have few, kept without an allocation.
using Segments = boost::container::small_vector<std::string_view, 12>;

Segments SplitPath(std::string_view path) {
    Segments parts;
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    while (true) {
        const auto slash = path.find('/');
        parts.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return parts;
}

bool IsPositiveInt(std::string_view text) {
    if (text.empty() || text.size() > 18 || text.front() == '0') return false;
    std::int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc{} && ptr == text.data() + text.size() && value > 0;
}

}  // namespace

void Router::Add(std::string_view method, std::string_view pattern, Handler handler) {
    Compiled compiled;
    for (const auto part : SplitPath(pattern)) {
        if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
            const std::string_view inner = part.substr(1, part.size() - 2);
            const auto colon = inner.find(':');
            const std::string_view name = inner.substr(0, colon);
            const std::string_view type =
                colon == std::string_view::npos ? std::string_view{} : inner.substr(colon + 1);
            if (!type.empty() && type != "int") {
                throw std::invalid_argument("unknown parameter type in route " +
                                            std::string(pattern));
            }
            compiled.segments.push_back(
                {type == "int" ? Segment::Kind::kInt : Segment::Kind::kString, std::string(name)});
        } else {
            compiled.segments.push_back({Segment::Kind::kLiteral, std::string(part)});
            ++compiled.literal_count;
        }
    }
    const std::string label = RouteLabel(pattern);
    routes_.push_back({std::string(method), std::string(pattern), std::move(handler),
                       &MetricsOfRoute(method, label),
                       method == "GET" ? &MetricsOfRoute("HEAD", label) : nullptr});
    const std::size_t count = compiled.segments.size();
    if (by_segments_.size() <= count) by_segments_.resize(count + 1);
    by_segments_[count].push_back(routes_.size() - 1);
    compiled_.push_back(std::move(compiled));
}

Router::Match Router::Find(Request& request) const {
    const auto parts = SplitPath(request.path());
    const std::string_view method =
        request.method() == "HEAD" ? std::string_view("GET") : std::string_view(request.method());
    Match match;
    int best_literals = -1;
    std::size_t best = routes_.size();
    if (parts.size() >= by_segments_.size()) return match;
    for (const std::size_t i : by_segments_[parts.size()]) {
        const auto& segments = compiled_[i].segments;
        bool ok = true;
        for (std::size_t s = 0; s < parts.size() && ok; ++s) {
            switch (segments[s].kind) {
                case Segment::Kind::kLiteral:
                    ok = parts[s] == segments[s].text;
                    break;
                case Segment::Kind::kString:
                    ok = !parts[s].empty();
                    break;
                case Segment::Kind::kInt:
                    ok = IsPositiveInt(parts[s]);
                    break;
            }
        }
        if (!ok) continue;
        if (routes_[i].method != method) {
            if (std::find(match.allowed.begin(), match.allowed.end(), routes_[i].method) ==
                match.allowed.end()) {
                match.allowed.push_back(routes_[i].method);
            }
            continue;
        }
        if (compiled_[i].literal_count > best_literals) {
            best_literals = compiled_[i].literal_count;
            best = i;
        }
    }
    if (best == routes_.size()) return match;
    const auto& segments = compiled_[best].segments;
    for (std::size_t s = 0; s < parts.size(); ++s) {
        if (segments[s].kind != Segment::Kind::kLiteral) {
            request.SetParam(segments[s].text, PercentDecode(parts[s], false));
        }
    }
    match.handler = &routes_[best].handler;
    request.set_route(request.method() == "HEAD" && routes_[best].head_metrics != nullptr
                          ? routes_[best].head_metrics
                          : routes_[best].metrics);
    match.allowed.clear();
    return match;
}

}  // namespace cerulean::http
