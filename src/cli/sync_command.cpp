#include "cli/sync_command.hpp"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "cli/blob_command.hpp"
#include "cli/blob_session.hpp"
#include "cli/progress_bar.hpp"
#include "cli/remote_path.hpp"
#include "sync/sync_engine.hpp"

namespace cerulean::cli {
namespace {

namespace fs = std::filesystem;

sync::SyncLocation SideOf(const std::string& text, const azure::BlobClient& client) {
    if (IsRemotePath(text)) {
        RemotePath remote = RemoteWithContainer(text);
        return sync::BlobSide{&client, std::move(remote.container), std::move(remote.path)};
    }
    if (text.empty()) throw Usage("an empty local folder name");
    // The folder given is the sync root: nothing outside it is touched, and symlinks below
    // it are not followed.
    return sync::LocalSide{fs::absolute(text), ""};
}

boost::json::object ItemJson(std::string_view op, std::string_view path, std::uint64_t size) {
    boost::json::object o;
    o["op"] = op;
    o["name"] = path;
    o["size"] = size;
    return o;
}

// The summary's verb, as `put`, `get` and `cp` say it.
std::string_view VerbOf(sync::Direction direction) {
    switch (direction) {
        case sync::Direction::kUpload:
            return "uploaded";
        case sync::Direction::kDownload:
            return "downloaded";
        case sync::Direction::kCopy:
            return "copied";
    }
    return "copied";
}

std::string_view StatusOf(const sync::SyncResult& result) {
    if (result.cancelled) return "cancelled";
    return result.error ? "failed" : "succeeded";
}

boost::json::object SummaryJson(const sync::SyncResult& result) {
    const sync::SyncProgress& p = result.progress;
    boost::json::object o;
    o["op"] = "summary";
    o["status"] = StatusOf(result);
    o["files_total"] = p.files_total;
    o["files_done"] = p.files_done;
    o["files_skipped"] = p.files_skipped;
    o["files_failed"] = p.files_failed;
    o["bytes_total"] = p.bytes_total;
    o["bytes_done"] = p.bytes_done;
    o["deleted"] = result.deleted;
    o["temporary_removed"] = result.temporary_removed;
    if (result.error) {
        o["error"] = result.error->what();
        o["reason"] = result.error->reason();
    }
    return o;
}

int DryRun(BlobSession& s, const sync::SyncEngine& engine, const sync::SyncEndpoints& endpoints) {
    // The actions are printed as the plan finds them (options.on_plan_action): a plan of any
    // size is listed whole without being held in memory.
    s.bar().Stop();
    const sync::SyncPlan plan = engine.Plan(endpoints, s.call().stop);
    std::cerr << "dry run: would copy " << plan.copy << (plan.copy == 1 ? " file, " : " files, ")
              << FormatBytes(plan.bytes) << "; " << plan.skip << " up to date; delete "
              << plan.remove;
    if (plan.hash_by_download > 0) {
        std::cerr << "; " << plan.hash_by_download << " without an MD5 to hash by download";
    }
    if (plan.failed > 0) std::cerr << "; " << plan.failed << " cannot be synced";
    std::cerr << '\n';
    if (plan.deletes_refused) {
        s.Note("", std::string("a run would fail: ") + plan.deletes_refused->what());
        return 1;
    }
    return plan.failed > 0 ? 1 : 0;
}

}  // namespace

void AddSyncOptions(CLI::App& sync, BlobArgs& args) {
    sync.add_flag("--delete", args.delete_extraneous,
                  "Delete what DST has and SRC lacks, after the copies (never after a failed "
                  "listing, nor from an empty SRC)");
    sync.add_option("--max-delete", args.max_delete,
                    "With --delete: a run that would delete more than N deletes nothing and fails")
        ->check(CLI::NonNegativeNumber);
    sync.add_option("--compare", args.compare,
                    "size_mtime (default: same size and modification time) or md5 (content)");
    sync.add_flag("--dry-run", args.dry_run,
                  "Show what would be copied and deleted; change nothing");
}

int RunSync(BlobSession& s) {
    const BlobArgs& args = s.args();
    Need(args, 2, "SRC DST (each a local folder or az://CONTAINER[/PREFIX])");
    if (args.max_delete >= 0 && !args.delete_extraneous) throw Usage("--max-delete needs --delete");
    std::optional<azure::BlobClient> other;
    if (!args.dest_connection_string.empty()) {
        if (!IsRemotePath(args.operands[1])) {
            throw Usage("--dest-connection-string needs an az:// destination");
        }
        other.emplace(azure::BlobClient::FromConnectionString(args.dest_connection_string,
                                                              BlobSession::ClientOptionsFor(args)));
    }
    const sync::SyncEndpoints endpoints{SideOf(args.operands[0], s.client()),
                                        SideOf(args.operands[1], other ? *other : s.client())};

    sync::SyncOptions options;
    if (!args.compare.empty()) options.compare = sync::ParseCompareMode(args.compare);
    options.delete_extraneous = args.delete_extraneous;
    if (args.max_delete >= 0) options.max_delete = static_cast<std::uint64_t>(args.max_delete);
    options.transfer = s.options();
    options.max_plan_actions = 0;
    if (args.dry_run) {
        options.on_plan_action = [&s](const sync::PlanAction& action) {
            s.Emit(ItemJson(action.op, action.path, action.size), action.op + " " + action.path);
        };
    }
    options.on_item = [&s](const sync::SyncItem& item) {
        switch (item.outcome) {
            case sync::SyncItem::Outcome::kCopied:
                s.bar().AddItem();
                s.Emit(ItemJson("copy", item.path, item.size), "");
                break;
            case sync::SyncItem::Outcome::kDeleted:
                s.Emit(ItemJson("delete", item.path, item.size), "");
                break;
            case sync::SyncItem::Outcome::kFailed: {
                s.Note(item.path, item.error);
                boost::json::object o = ItemJson("fail", item.path, item.size);
                o["error"] = item.error;
                o["reason"] = item.reason;
                s.Emit(o, "");
                break;
            }
        }
    };
    // The bar's total grows as the listings go on.
    options.on_progress = [&s, seen = std::uint64_t{0}](const sync::SyncProgress& p) mutable {
        if (p.bytes_total > seen) s.bar().AddTotal(p.bytes_total - seen);
        seen = std::max(seen, p.bytes_total);
    };
    const sync::SyncEngine engine(s.pool(), std::move(options));
    if (args.dry_run) return DryRun(s, engine, endpoints);

    const sync::SyncResult result = engine.Run(endpoints, s.call().stop);
    s.bar().Stop();
    std::cout.flush();
    s.Emit(SummaryJson(result), "");
    const sync::SyncProgress& p = result.progress;
    // A run that failed before doing anything prints its error, not a success-style line.
    if (!result.error || p.files_done > 0 || result.deleted > 0 || result.cancelled) {
        std::cerr << (result.cancelled ? "interrupted: " : "")
                  << FormatSummary(VerbOf(sync::DirectionOf(endpoints)), p.files_done, "file",
                                   p.bytes_done, s.bar().elapsed())
                  << "; " << p.files_skipped << " up to date";
        if (result.deleted > 0) std::cerr << "; " << result.deleted << " deleted";
        if (p.files_failed > 0) std::cerr << "; " << p.files_failed << " failed";
        if (result.temporary_removed > 0) {
            std::cerr << "; " << result.temporary_removed
                      << " partial files of an earlier run removed";
        }
        std::cerr << '\n';
    }
    if (result.cancelled) return s.InterruptedStatus();
    if (!result.error) return 0;
    // Failed files have had their lines; anything else says here why the run failed.
    if (result.error->reason() != "files_failed") s.Note("", result.error->what());
    return result.error->code() == core::ErrorCode::kInvalidArgument &&
                   result.error->reason() != "files_failed"
               ? 2
               : 1;
}

}  // namespace cerulean::cli
