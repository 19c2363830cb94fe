#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace cerulean::cli {

struct BlobArgs;
class BlobSession;

/// Adds the flags of `cerulean blob sync` (--delete, --max-delete, --compare, --dry-run) to the
/// `sync` verb, parsed into `args`.
void AddSyncOptions(CLI::App& sync, BlobArgs& args);

/// Runs `cerulean blob sync SRC DST` in `session` with the sync engine: SRC and DST are each a
/// local folder or az://CONTAINER[/PREFIX] (az:// to az:// copies, into the account of
/// --dest-connection-string when given). Shows the progress bar, one JSON Lines object per item
/// copied, deleted or failed with --json (and a final summary object), the summary line on
/// stderr; --dry-run prints the plan instead. Returns the exit status: 0 success, 1 a failed
/// run (failed files, refused deletes, a failed listing), 2 bad usage, 128 + signal when
/// interrupted. Throws core::Error for bad usage found before the run starts.
int RunSync(BlobSession& session);

}  // namespace cerulean::cli
