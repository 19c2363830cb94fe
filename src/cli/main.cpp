// The one place that wires Cerulean together: parses the command line and the configuration,
// then hands over to a command.

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/config.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

namespace {

using cerulean::cli::Config;

Config LoadFromEnvironment() {
    Config config = cerulean::cli::LoadConfig(cerulean::cli::Environment::FromProcess());
    cerulean::core::log::SetLevel(config.log_level);
    return config;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Cerulean: a team's web service for Azure Blob Storage", "cerulean"};
    app.set_version_flag("--version", std::string(CERULEAN_VERSION));
    app.require_subcommand(1);
    app.fallthrough(false);

    auto* serve = app.add_subcommand("serve", "Serve the HTTP API and the web UI");
    auto* migrate = app.add_subcommand("migrate", "Apply pending database migrations");

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "cerulean: " << e.what() << "\n\n" << app.help();
        return 2;
    }

    try {
        if (serve->parsed()) return cerulean::cli::RunServe(LoadFromEnvironment());
        if (migrate->parsed()) return cerulean::cli::RunMigrate(LoadFromEnvironment());
    } catch (const cerulean::core::Error& e) {
        std::cerr << "cerulean: " << e.what() << "\n";
        return e.code() == cerulean::core::ErrorCode::kConfiguration ? 2 : 1;
    } catch (const std::exception& e) {
        std::cerr << "cerulean: " << e.what() << "\n";
        return 1;
    }
    return 2;
}
