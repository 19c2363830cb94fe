#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/environment.hpp"

namespace CLI {
class App;
}  // namespace CLI

namespace cerulean::cli {

class InterruptHandler;

/// What `cerulean blob VERB …` was given (options follow the verb).
struct BlobArgs {
    std::string verb;                    ///< ls, mb, rb, put, get, rm, cp or sync
    std::vector<std::string> operands;   ///< positional arguments of the verb
    std::string connection_string;       ///< `--connection-string`, or empty
    std::string dest_connection_string;  ///< `--dest-connection-string` (cp), or empty
    std::size_t concurrency = 0;         ///< `--concurrency`; 0: automatic
    std::string block_size;              ///< `--block-size` as written, or empty
    bool recursive = false;              ///< `--recursive` (ls, put, get, rm)
    bool force = false;                  ///< `--force` (rb)
    bool json = false;                   ///< `--json`: JSON Lines on stdout
    bool no_checksum = false;  ///< `--no-checksum`: no MD5 computed, sent, stored or checked
    /// `--checksum`: which MD5s to use, "block", "whole", "both" or "none"; empty: auto (see
    /// ParseChecksum).
    std::string checksum;
    /// `--resume` (get): continue a kept partial download when its blob has not changed.
    bool resume = false;
    /// `--delete` (sync): delete what the destination has and the source lacks.
    bool delete_extraneous = false;
    /// `--max-delete N` (sync): at most N deletes, or none at all; negative: no limit.
    std::int64_t max_delete = -1;
    /// `--compare` (sync): "size_mtime" (default) or "md5".
    std::string compare;
    /// `--dry-run` (sync): show what would be copied and deleted, change nothing.
    bool dry_run = false;
};

/// Which MD5s a transfer uses.
struct ChecksumChoice {
    bool block = true;  ///< a transactional Content-MD5 on every Put Block and Put Blob
    bool whole =
        false;  ///< the whole blob's MD5: computed and stored on upload, checked on download
};

/// The MD5s `verb` uses under `--checksum MODE` (block, whole, both, none; empty: auto) and
/// `--no-checksum` (which wins: none). Auto, as AzCopy does by default: put sends a
/// transactional MD5 with every request (the service checks each block on arrival) and stores
/// the whole blob's MD5 only when one request carries the blob (then it is the same digest);
/// get checks the whole blob's MD5 when the blob has one; cp does both. Throws core::Error
/// (kInvalidArgument) on an unknown mode.
ChecksumChoice ParseChecksum(std::string_view mode, bool no_checksum, std::string_view verb);

/// The `blob` subcommand: its verbs registered on a CLI11 app, and their execution.
class BlobCommand {
 public:
    /// Adds the verbs of `cerulean blob` to `blob` (the `blob` subcommand of the main app).
    explicit BlobCommand(CLI::App& blob);

    /// Whether `cerulean blob …` was on the command line.
    [[nodiscard]] bool parsed() const;
    /// What was parsed.
    [[nodiscard]] const BlobArgs& args() const noexcept { return args_; }

    /// Runs the parsed verb with the account of `--connection-string` or
    /// AZURE_STORAGE_CONNECTION_STRING from `environment`, stopping when `interrupt` (if any)
    /// says so. Returns the exit status: 0 success, 1 a failed operation (one line on stderr
    /// each), 2 bad usage, 128 + signal when interrupted.
    [[nodiscard]] int Run(const Environment& environment,
                          const InterruptHandler* interrupt = nullptr) const;

 private:
    CLI::App& app_;
    BlobArgs args_;
};

/// Runs `args` (see BlobCommand::Run); separate from CLI11 so that it can be called directly.
int RunBlob(const BlobArgs& args, const Environment& environment,
            const InterruptHandler* interrupt = nullptr);

}  // namespace cerulean::cli
