#include "http/request.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "core/error.hpp"

namespace cerulean::http {
namespace {

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

Task<std::size_t> StringBodySource::ReadSome(std::span<char> out) {
    const std::size_t n = std::min(out.size(), body_.size() - offset_);
    std::memcpy(out.data(), body_.data() + offset_, n);
    offset_ += n;
    co_return n;
}

std::string PercentDecode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%' && i + 2 < text.size()) {
            const int hi = HexValue(text[i + 1]);
            const int lo = HexValue(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(plus_is_space && c == '+' ? ' ' : c);
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> params;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos) {
            params.emplace_back(PercentDecode(pair, true), std::string{});
        } else {
            params.emplace_back(PercentDecode(pair.substr(0, eq), true),
                                PercentDecode(pair.substr(eq + 1), true));
        }
    }
    return params;
}

Request::Request(std::string method, std::string target)
    : Request(std::move(method), std::move(target),
              std::make_shared<StringBodySource>(std::string{})) {}

Request::Request(std::string method, std::string target, std::shared_ptr<BodySource> body)
    : method_(std::move(method)), target_(std::move(target)), body_(std::move(body)) {
    const std::string_view t = target_;
    const auto q = t.find('?');
    path_ = std::string(t.substr(0, q));
    if (q != std::string_view::npos) {
        query_ = std::string(t.substr(q + 1));
        query_params_ = ParseQuery(query_);
    }
}

std::optional<std::string> Request::Query(std::string_view name) const {
    for (const auto& [key, value] : query_params_) {
        if (key == name) return value;
    }
    return std::nullopt;
}

std::optional<std::string_view> Request::Param(std::string_view name) const {
    const auto it = params_.find(name);
    if (it == params_.end()) return std::nullopt;
    return std::string_view(it->second);
}

Task<std::string> Request::ReadBody(std::size_t limit) const {
    auto too_large = [limit] {
        return core::Error(core::ErrorCode::kResourceExhausted,
                           "request body exceeds " + std::to_string(limit) + " bytes",
                           "payload_too_large");
    };
    if (const auto declared = body_->content_length(); declared && *declared > limit) {
        throw too_large();
    }
    std::string out;
    std::array<char, 16 * 1024> chunk{};
    for (;;) {
        const std::size_t n = co_await body_->ReadSome(chunk);
        if (n == 0) break;
        if (out.size() + n > limit) throw too_large();
        out.append(chunk.data(), n);
    }
    co_return out;
}

}  // namespace cerulean::http
