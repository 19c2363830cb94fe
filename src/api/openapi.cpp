#include "api/openapi.hpp"

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include "http/problem.hpp"
#include "http/static_files.hpp"

namespace cerulean::api::generated {
// Defined in the source that src/api/CMakeLists.txt generates from openapi.json.
extern const std::string_view kOpenApiJson;
}  // namespace cerulean::api::generated

namespace cerulean::api {
namespace {

namespace fs = std::filesystem;

// validatorUrl: null keeps Swagger UI from sending the document to validator.swagger.io: a
// self-hosted service's docs page makes no third-party requests.
constexpr std::string_view kSwaggerUiPage = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cerulean API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="/docs/favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script>
<script src="/docs/cerulean-init.js"></script>
</body>
</html>
)";

// Swagger UI's start, as a file of its own: the server's Content-Security-Policy allows no
// inline script.
constexpr std::string_view kSwaggerInit = R"(window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout"
  });
});
)";
constexpr std::string_view kSwaggerInitFile = "cerulean-init.js";

http::Response SwaggerUiUnavailable() {
    return http::ProblemResponse(
        {503, "swagger_ui_unavailable",
         "Swagger UI is not installed on this server: install the swagger-ui-dist npm package "
         "(npm ci); the OpenAPI document is at /api/v1/openapi.json"});
}

bool IsSwaggerUiFile(std::string_view name) {
    return std::find(std::begin(kSwaggerUiFiles), std::end(kSwaggerUiFiles), name) !=
           std::end(kSwaggerUiFiles);
}

bool FolderExists(const fs::path& folder) {
    std::error_code ec;
    return fs::is_directory(folder, ec);
}

// A strong validator of the embedded document, so clients revalidate it cheaply.
std::string DocumentEtag() {
    return "\"" + std::to_string(std::hash<std::string_view>{}(OpenApiDocument())) + "\"";
}

}  // namespace

std::string_view OpenApiDocument() noexcept {
    return generated::kOpenApiJson;
}

void AddDocsRoutes(http::Router& router, fs::path swagger_ui_dir) {
    router.Add("GET", "/api/v1/openapi.json",
               [etag = DocumentEtag()](http::Request& request) -> http::Task<http::Response> {
                   http::Response response;
                   if (request.headers().Get("If-None-Match") == etag) {
                       response = http::EmptyResponse(304);
                   } else {
                       response = http::TextResponse(200, std::string(OpenApiDocument()),
                                                     "application/json; charset=utf-8");
                   }
                   response.headers.Set("ETag", etag);
                   response.headers.Set("Cache-Control", "no-cache");
                   co_return response;
               });

    router.Add("GET", "/docs", [swagger_ui_dir](http::Request&) -> http::Task<http::Response> {
        if (!FolderExists(swagger_ui_dir)) co_return SwaggerUiUnavailable();
        auto response =
            http::TextResponse(200, std::string(kSwaggerUiPage), "text/html; charset=utf-8");
        response.headers.Set("Cache-Control", "no-cache");
        response.headers.Set("X-Content-Type-Options", "nosniff");
        co_return response;
    });

    // Only the allow-listed names are served, so no path (`..`, encoded slashes, other files of
    // the package) can reach anything else; StaticFiles adds ETag, 304 and streaming.
    auto files = std::make_shared<const http::StaticFiles>(swagger_ui_dir);
    router.Add("GET", "/docs/{file}",
               [files, swagger_ui_dir](http::Request& request) -> http::Task<http::Response> {
                   const std::string file(request.Param("file").value_or(""));
                   if (file == kSwaggerInitFile) {
                       auto response = http::TextResponse(200, std::string(kSwaggerInit),
                                                          "text/javascript; charset=utf-8");
                       response.headers.Set("Cache-Control", "no-cache");
                       co_return response;
                   }
                   if (!IsSwaggerUiFile(file)) {
                       co_return http::ProblemResponse(
                           {404, "not_found", "no such resource: " + std::string(request.path())});
                   }
                   if (!FolderExists(swagger_ui_dir)) co_return SwaggerUiUnavailable();
                   http::Request inner(request.method(), "/" + file);
                   if (const auto tag = request.headers().Get("If-None-Match")) {
                       inner.headers().Set("If-None-Match", *tag);
                   }
                   inner.headers().Set("Accept", "*/*");
                   if (auto response = files->Serve(inner)) co_return std::move(*response);
                   co_return SwaggerUiUnavailable();
               });
}

}  // namespace cerulean::api
