#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>

#include "http/offload.hpp"
#include "http/router.hpp"
#include "http/static_files.hpp"
#include "store/database.hpp"

namespace cerulean::api {

/// Options of the HTTP API.
struct AppOptions {
    std::filesystem::path web_root = "web/dist";  ///< the built web UI
    std::size_t json_body_limit = 1024 * 1024;    ///< largest JSON request body
};

/// The whole HTTP API: routes, error mapping to problem details, and the web UI's files.
class App {
 public:
    /// An API over `db`, running blocking work on `pool`.
    App(AppOptions options, std::shared_ptr<store::Database> db, http::BlockingPool& pool);

    /// Answers one request: the matching route, 405 for a known path with another method,
    /// the web UI's files for other GET requests, 404 otherwise. Never throws.
    http::Task<http::Response> Handle(http::Request& request);

    /// The routes (the OpenAPI document is checked against them).
    [[nodiscard]] const http::Router& router() const { return router_; }

 private:
    void AddHealthRoutes();

    AppOptions options_;
    std::shared_ptr<store::Database> db_;
    http::BlockingPool& pool_;
    http::Router router_;
    http::StaticFiles static_files_;
};

}  // namespace cerulean::api
