#pragma once

#include <filesystem>
#include <optional>

#include "http/request.hpp"
#include "http/response.hpp"

namespace cerulean::http {

/// Serves a built single-page app (web/dist): files with their content types, hashed assets
/// under /assets/ cached for a year, everything else revalidated, and `index.html` for paths
/// that look like client-side routes.
class StaticFiles {
 public:
    /// Serves the folder `root` (it may not exist yet: then nothing is served).
    explicit StaticFiles(std::filesystem::path root);

    /// The response for a GET or HEAD request, or nullopt when there is no such file and no
    /// fallback applies.
    [[nodiscard]] std::optional<Response> Serve(const Request& request) const;

    /// True when the folder holds an index.html.
    [[nodiscard]] bool available() const;

 private:
    std::filesystem::path root_;
};

/// The Content-Type for a file name's extension ("application/octet-stream" when unknown).
std::string_view ContentTypeFor(const std::filesystem::path& file);

}  // namespace cerulean::http
