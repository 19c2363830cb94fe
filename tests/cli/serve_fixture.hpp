#pragma once

// `cerulean serve` as a child process, for the suites that drive the binary over sockets.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "support/child_process.hpp"
#include "support/net.hpp"
#include "support/temp_dir.hpp"

namespace cerulean::testing {

/// GET `path`: the raw response, empty on failure.
inline std::string HttpGet(int port, const std::string& path) {
    return HttpCall(port, "GET", path);
}

/// The value of "key":"value" in a JSON body (enough for tokens).
inline std::string JsonString(const std::string& response, const std::string& key) {
    const auto at = response.find("\"" + key + "\":\"");
    if (at == std::string::npos) return {};
    const auto start = at + key.size() + 4;
    return response.substr(start, response.find('"', start) - start);
}

/// Runs the cerulean binary in a temp dir: commands to completion, or `serve` in the background.
class ServeTest : public ::testing::Test {
 protected:
    // Runs `cerulean ARGS…` in the temp dir with `env`, to completion.
    int Run(const std::vector<std::string>& args,
            std::vector<std::pair<std::string, std::string>> env = {}) {
        std::vector<std::string> argv{CERULEAN_BINARY};
        argv.insert(argv.end(), args.begin(), args.end());
        ChildProcessOptions options;
        options.environment = std::move(env);
        options.working_directory = dir_.path();
        return RunCommand(argv, log_, options, std::chrono::seconds(60));
    }

    std::string Log() const { return FileTail(log_, 1 << 20); }

    // The log once it holds `text` (the access log line of a request is written after its
    // response has gone, so it may lag a moment behind the client), or after 5 s as it is.
    std::string LogWith(std::string_view text) const {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        std::string log = Log();
        while (log.find(text) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            log = Log();
        }
        return log;
    }

    // Starts `cerulean serve`, waits for /readyz, and returns the port.
    int Serve(std::vector<std::pair<std::string, std::string>> env) {
        const int port = FreeLoopbackPort();
        env.emplace_back("CERULEAN_LISTEN", "127.0.0.1:" + std::to_string(port));
        ChildProcessOptions options;
        options.environment = std::move(env);
        options.working_directory = dir_.path();
        server_ = std::make_unique<ChildProcess>(std::vector<std::string>{CERULEAN_BINARY, "serve"},
                                                 log_, options);
        // Up to 30 s, but no longer than the server lives.
        bool listening = false;
        for (int i = 0; i < 300 && !listening && server_->Running(); ++i) {
            listening = WaitForTcp(port, std::chrono::milliseconds(100));
        }
        if (!listening) ADD_FAILURE() << "server did not listen:\n" << server_->LogTail();
        return port;
    }

    TempDir dir_{"cerulean-serve"};
    std::filesystem::path log_ = dir_.path() / "cerulean.log";
    std::unique_ptr<ChildProcess> server_;
};

}  // namespace cerulean::testing
