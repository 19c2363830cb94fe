#pragma once

#include <atomic>
#include <boost/json.hpp>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "azure/blob_client.hpp"
#include "azure/transfer.hpp"
#include "azure/transfer_pool.hpp"
#include "cli/blob_command.hpp"
#include "cli/progress_bar.hpp"
#include "cli/remote_path.hpp"
#include "core/error.hpp"

namespace cerulean::cli {

class InterruptHandler;

/// A usage error of `cerulean blob` (exit status 2).
core::Error Usage(const std::string& message);

/// Throws Usage unless the verb of `args` was given `count` operands.
void Need(const BlobArgs& args, std::size_t count, std::string_view usage);

/// Parses `az://CONTAINER[/PATH]` (see ParseRemotePath); Usage when it names no container.
RemotePath RemoteWithContainer(std::string_view text);

/// Everything one run of a `cerulean blob` verb shares: the account, the transfer pool and
/// options (from the verb's flags), the progress bar, the output and the failure count.
class BlobSession {
 public:
    /// A session for `args` on the account of `connection_string`, stopped by `interrupt` (if
    /// any). Throws core::Error on a bad connection string or flag.
    BlobSession(const BlobArgs& args, const std::string& connection_string,
                const InterruptHandler* interrupt);

    /// The client settings of a command line: a connection pool for its concurrency, and
    /// retries that ride out a busy or flaky service as AzCopy and rclone do.
    static azure::ClientOptions ClientOptionsFor(const BlobArgs& args);

    /// The parsed arguments.
    [[nodiscard]] const BlobArgs& args() const { return args_; }
    /// The account's client.
    [[nodiscard]] const azure::BlobClient& client() const { return client_; }
    /// The pool the transfers run on.
    [[nodiscard]] azure::TransferPool& pool() { return *pool_; }
    /// The transfer engine with the verb's options.
    [[nodiscard]] const azure::Transfer& transfer() const { return *transfer_; }
    /// The transfer options (progress into the bar, stopped by a signal).
    [[nodiscard]] const azure::TransferOptions& options() const { return transfer_->options(); }
    /// The progress bar (drawn on a terminal).
    [[nodiscard]] ProgressBar& bar() { return bar_; }
    /// Options of single calls: stopped by a signal too.
    [[nodiscard]] const azure::CallOptions& call() const { return call_; }
    /// Whether a signal asked to stop: start nothing new.
    [[nodiscard]] bool stopped() const { return call_.stop.stop_requested(); }

    /// One JSON Lines object (with --json) or a plain line on stdout, never interleaved.
    void Emit(const boost::json::object& json, const std::string& plain);
    /// One readable line on stderr for a failed item, `note` added when given (not for calls
    /// stopped by a signal, which the summary reports).
    void Fail(std::string_view item, const std::exception& error, std::string_view note = {});
    /// One line on stderr about an item (that did not fail).
    void Note(std::string_view item, std::string_view text);
    /// The final summary line on stderr (no success-style line when everything failed).
    void Summary(std::string_view verb, std::string_view noun);
    /// Items that failed.
    [[nodiscard]] int failures() const { return failures_.load(); }
    /// 128 + the signal when one stopped the run, else 0, or 1 when an item failed.
    [[nodiscard]] int ExitStatus() const;
    /// 128 + the signal that stopped the run (only when stopped()).
    [[nodiscard]] int InterruptedStatus() const;

 private:
    const BlobArgs& args_;
    const InterruptHandler* interrupt_;
    azure::CallOptions call_;
    azure::BlobClient client_;
    azure::TransferOptions options_;
    std::unique_ptr<azure::TransferPool> pool_;
    std::optional<azure::Transfer> transfer_;
    ProgressBar bar_;
    std::mutex output_;
    std::atomic<int> failures_{0};
};

}  // namespace cerulean::cli
