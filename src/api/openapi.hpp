#pragma once

#include <filesystem>
#include <string_view>

#include "http/router.hpp"

namespace cerulean::api {

/// The OpenAPI 3.1 document of the HTTP API: the text of src/api/openapi.json, embedded at
/// build time.
std::string_view OpenApiDocument() noexcept;

/// The files of `swagger-ui-dist` that `/docs/{file}` serves; nothing else in the folder is.
inline constexpr std::string_view kSwaggerUiFiles[] = {
    "swagger-ui.css",    "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
    "favicon-32x32.png", "favicon-16x16.png",
};

/// Registers `GET /api/v1/openapi.json` (the document), `GET /docs` (a Swagger UI page on it)
/// and `GET /docs/{file}` (Swagger UI's own files, read from `swagger_ui_dir`, the
/// `swagger-ui-dist` npm package). The Swagger UI routes answer 503 `swagger_ui_unavailable`
/// while that folder is missing.
void AddDocsRoutes(http::Router& router, std::filesystem::path swagger_ui_dir);

}  // namespace cerulean::api
