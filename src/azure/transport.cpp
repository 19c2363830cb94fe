#include "azure/transport.hpp"

#include <algorithm>
#include <cctype>

namespace cerulean::azure {

bool HeaderNameEquals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::optional<std::string_view> FindHeader(const HttpHeaders& headers, std::string_view name) {
    for (const auto& header : headers) {
        if (HeaderNameEquals(header.name, name)) return std::string_view(header.value);
    }
    return std::nullopt;
}

void SetHeader(HttpHeaders& headers, std::string_view name, std::string value) {
    std::erase_if(headers, [&](const HttpHeader& h) { return HeaderNameEquals(h.name, name); });
    headers.push_back({std::string(name), std::move(value)});
}

std::optional<std::string_view> HttpResponse::Header(std::string_view name) const {
    return FindHeader(headers, name);
}

}  // namespace cerulean::azure
