#pragma once

#include <string>
#include <vector>

namespace cerulean::azure {

/// One HTTP request header as the transport sends it (names compare case-insensitively).
struct HttpHeader {
    std::string name;   ///< header name, any case, e.g. "x-ms-meta-Author"
    std::string value;  ///< header value as sent
};

/// The headers of one request, in the order they are sent.
using HttpHeaders = std::vector<HttpHeader>;

}  // namespace cerulean::azure
