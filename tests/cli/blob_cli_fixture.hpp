#pragma once

// What the `cerulean blob` end-to-end suites share: a fixture that runs the binary against the
// shared Azurite with a fresh container, and a reader of its JSON Lines. Needs CERULEAN_BINARY.

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/blob_cli_runner.hpp"
#include "support/shared_servers.hpp"
#include "support/temp_dir.hpp"

namespace cerulean::testing {

/// One JSON Lines object per line: the value of `"name":"…"` of each (names here hold no quote).
inline std::vector<std::string> Names(const std::string& json_lines) {
    std::vector<std::string> names;
    std::istringstream in(json_lines);
    for (std::string line; std::getline(in, line);) {
        const std::size_t at = line.find("\"name\":\"");
        if (at == std::string::npos) continue;
        const std::size_t end = line.find('"', at + 8);
        names.push_back(line.substr(at + 8, end - at - 8));
    }
    return names;
}

/// Runs `cerulean blob …` as a child process in a temporary folder, against a fresh container
/// of the shared Azurite.
class BlobCli : public ::testing::Test {
 protected:
    void SetUp() override {
        connection_string_ = SharedAzurite().connection_string();
        container_ = UniqueName("cli");
        ASSERT_EQ(Run({"mb", "az://" + container_}).status, 0);
    }

    /// Runs `cerulean blob ARGS…` with the account in the environment; stdout and stderr apart.
    BlobCliOutcome Run(const std::vector<std::string>& args, std::optional<std::string> env_cs = {},
                       std::chrono::seconds timeout = std::chrono::seconds(120)) {
        const pid_t pid =
            StartBlobCli(CERULEAN_BINARY, dir_.path(), args, env_cs.value_or(connection_string_));
        return FinishBlobCli(pid, dir_.path(), timeout);
    }

    /// "az://CONTAINER/NAME" of the test's container.
    std::string Remote(std::string_view name) const {
        return "az://" + container_ + "/" + std::string(name);
    }

    TempDir dir_{"cerulean-blob-cli"};  ///< the working folder of every run
    std::string connection_string_;     ///< the shared Azurite's
    std::string container_;             ///< the test's own container
};

}  // namespace cerulean::testing
