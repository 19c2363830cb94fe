#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace cerulean::testing {

/// How a `cerulean blob` run ended: its exit status (128 + signal when killed) and outputs.
struct BlobCliOutcome {
    int status = -1;
    std::string out;
    std::string err;
};

/// Starts `binary blob ARGS…` in `dir` with stdin from /dev/null, stdout and stderr into
/// `dir`/stdout and `dir`/stderr, and AZURE_STORAGE_CONNECTION_STRING set to
/// `connection_string` (unset when empty). Returns the child's pid.
pid_t StartBlobCli(const std::string& binary, const std::filesystem::path& dir,
                   const std::vector<std::string>& args, const std::string& connection_string);

/// Waits for the run `pid` started in `dir` to end and reads its outputs; after `timeout` it
/// kills it and adds a test failure.
BlobCliOutcome FinishBlobCli(pid_t pid, const std::filesystem::path& dir,
                             std::chrono::seconds timeout);

}  // namespace cerulean::testing
