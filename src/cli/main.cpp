// The one place that wires Cerulean together: parses the command line and the configuration,
// then hands over to a command.

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/blob_command.hpp"
#include "cli/commands.hpp"
#include "cli/config.hpp"
#include "cli/interrupt.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

namespace {

using cerulean::cli::Config;

Config LoadFromEnvironment() {
    Config config = cerulean::cli::LoadConfig(cerulean::cli::Environment::FromProcess());
    cerulean::core::log::SetLevel(config.log_level);
    cerulean::core::log::SetFormat(config.log_format);
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
    auto* worker =
        app.add_subcommand("worker", "Run queued sync jobs from the shared database (no API)");
    auto* backup = app.add_subcommand(
        "backup", "Copy the SQLite database to PATH while the server runs (PostgreSQL: pg_dump)");
    std::string backup_path;
    bool backup_force = false;
    backup->add_option("PATH", backup_path, "The backup file to write")->required();
    backup->add_flag("--force", backup_force, "Replace PATH if it exists");
    auto* blob = app.add_subcommand("blob", "Work with blobs: ls, mb, rb, put, get, rm, cp, sync");
    const cerulean::cli::BlobCommand blob_command(*blob);

    auto* user = app.add_subcommand("user", "Manage user accounts");
    user->require_subcommand(1);
    auto* user_create = user->add_subcommand("create", "Create a user (password on stdin)");
    cerulean::cli::UserCreateArgs user_args;
    bool password_stdin = false;
    user_create->add_option("--email", user_args.email, "Sign-in email")->required();
    user_create->add_option("--full-name", user_args.full_name, "Display name");
    user_create->add_flag("--password-stdin", password_stdin, "Read the password from stdin")
        ->required();
    user_create->add_flag("--superuser", user_args.superuser, "Make the user a superuser");

    auto* keys = app.add_subcommand("keys", "Manage credential encryption keys");
    keys->require_subcommand(1);
    auto* keys_rotate =
        keys->add_subcommand("rotate", "Re-encrypt stored credentials under the primary key");
    std::size_t batch_size = 100;
    keys_rotate->add_option("--batch-size", batch_size, "Rows per transaction")
        ->check(CLI::Range(1, 100000));

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
        if (worker->parsed()) return cerulean::cli::RunWorker(LoadFromEnvironment());
        if (backup->parsed()) {
            return cerulean::cli::RunBackup(LoadFromEnvironment(), backup_path, backup_force);
        }
        if (user_create->parsed()) {
            return cerulean::cli::RunUserCreate(LoadFromEnvironment(), user_args);
        }
        if (keys_rotate->parsed()) {
            return cerulean::cli::RunKeysRotate(LoadFromEnvironment(), batch_size);
        }
        if (blob_command.parsed()) {
            // Ctrl-C and SIGTERM stop transfers tidily (partial downloads stay resumable).
            const cerulean::cli::InterruptHandler interrupt;
            return blob_command.Run(cerulean::cli::Environment::FromProcess(), &interrupt);
        }
    } catch (const cerulean::core::Error& e) {
        std::cerr << "cerulean: " << e.what();
        for (const auto& field : e.field_errors()) {
            std::cerr << "; " << field.field << " " << field.message;
        }
        std::cerr << "\n";
        return e.code() == cerulean::core::ErrorCode::kConfiguration ? 2 : 1;
    } catch (const std::exception& e) {
        std::cerr << "cerulean: " << e.what() << "\n";
        return 1;
    }
    return 2;
}
