#include "sync/sync_engine.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <utility>

#include "azure/storage_error.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "sync/blob_listing.hpp"
#include "sync/content_type.hpp"
#include "sync/local_folder.hpp"
#include "sync/local_path.hpp"
#include "sync/local_walk.hpp"
#include "sync/resumable_download.hpp"
#include "sync/spilled_list.hpp"

namespace cerulean::sync {
namespace {

using core::Error;
using core::ErrorCode;

constexpr std::size_t kMaxFailuresKept = 100;

// A side that has nothing (a download's folder that does not exist yet, in a plan).
class EmptyStream final : public EntryStream {
 public:
    std::optional<SyncEntry> Next() override { return std::nullopt; }
};

// Hashes a download as it arrives, in order; holds nothing.
class HashingSink final : public azure::DownloadSink {
 public:
    void WriteAt(std::uint64_t /*offset*/, std::string_view bytes) override {
        hasher_.Update(bytes);
    }
    std::string Md5() { return crypto::Base64Encode(hasher_.Finish()); }

 private:
    crypto::Md5Hasher hasher_;
};

std::string NormalizedPrefix(std::string prefix) {
    if (!prefix.empty() && prefix.back() != '/') prefix += '/';
    return prefix;
}

// "a/b/c" -> {"a/b", "c"}.
std::pair<std::string_view, std::string_view> SplitLast(std::string_view path) {
    const std::size_t slash = path.rfind('/');
    if (slash == std::string_view::npos) return {{}, path};
    return {path.substr(0, slash), path.substr(slash + 1)};
}

// Whether a blob (below its prefix) can be downloaded as a local file: a safe relative path
// whose name is not one sync keeps for its temporary files.
bool Downloadable(std::string_view path) {
    return !SafeRelativePath(path).empty() && !IsTemporaryName(SplitLast(path).second);
}

Error NotDownloadable(std::string_view path) {
    return {ErrorCode::kInvalidArgument,
            "the blob name '" + std::string(path) + "' cannot be a local path; skipped",
            "invalid_blob_name"};
}

Error AsError(const std::exception& e) {
    if (const auto* error = dynamic_cast<const Error*>(&e)) return *error;
    return {ErrorCode::kInternal, e.what()};
}

// Failures that no other file of the run would escape: the credential refused (or expired),
// the container gone, the service unreachable after the retries, the local disk full.
bool IsFatal(const std::exception& e) {
    const auto* error = dynamic_cast<const Error*>(&e);
    if (error == nullptr) return false;
    if (error->code() == ErrorCode::kPermissionDenied || error->reason() == "container_not_found" ||
        error->reason() == "disk_full") {
        return true;
    }
    const auto* storage = dynamic_cast<const azure::StorageError*>(&e);
    return storage != nullptr && storage->kind() == azure::StorageErrorKind::kUnreachable;
}

bool SameContainer(const BlobSide& a, const BlobSide& b) {
    return a.client->endpoint() == b.client->endpoint() &&
           a.client->account_name() == b.client->account_name() && a.container == b.container;
}

// One plan or run: the sides, the streams, the counters.
class SyncRun {
 public:
    SyncRun(azure::TransferPool& pool, const SyncOptions& options, const SyncEndpoints& endpoints,
            std::stop_token stop, bool plan_only)
        : pool_(pool),
          options_(options),
          endpoints_(endpoints),
          external_(std::move(stop)),
          plan_only_(plan_only),
          link_(external_, RequestStop{&stop_}) {}

    SyncPlan Plan() {
        Prepare();
        SyncPlan plan;
        MergeListings(*source_stream_, *dest_stream_, [&](const SyncEntry* s, const SyncEntry* d) {
            return VisitPlan(plan, s, d);
        });
        if (stop_.stop_requested()) {
            throw Error(ErrorCode::kFailedPrecondition, "the plan was cancelled", "cancelled");
        }
        if (options_.delete_extraneous) {
            plan.deletes_refused =
                RefuseDeletes({Incomplete(), source_entries_, plan.remove, options_.max_delete});
        }
        return plan;
    }

    SyncResult Run() {
        SyncResult result;
        try {
            Prepare();
            Transfers();
            RemoveUnwantedPartials();
            Deletes();
            Conclude(result);
        } catch (const std::exception& e) {
            // Everything that escapes is the run's failure (a bad path, a folder that cannot be
            // created): the result carries it.
            if (external_.stop_requested()) {
                result.cancelled = true;
            } else {
                result.error = AsError(e);
            }
        }
        result.progress = Snapshot();
        result.deleted = deleted_.load();
        if (walk_ != nullptr) {
            result.temporary_removed = walk_->temporary_removed() + partials_removed_;
            result.links_skipped = walk_->links_skipped();
        }
        {
            const std::lock_guard lock(mutex_);
            result.failures = failures_;
        }
        Report(true);
        return result;
    }

 private:
    struct RequestStop {
        std::stop_source* source;
        void operator()() const { source->request_stop(); }
    };

    // --- Setup ----------------------------------------------------------------------------

    void Prepare() {
        direction_ = DirectionOf(endpoints_);
        azure::CallOptions call = options_.transfer.call;
        call.stop = stop_.get_token();
        call_ = call;
        if (const auto* blob = std::get_if<BlobSide>(&endpoints_.source)) source_ = Checked(*blob);
        if (const auto* blob = std::get_if<BlobSide>(&endpoints_.destination)) {
            dest_ = Checked(*blob);
        }
        if (direction_ == Direction::kCopy && SameContainer(source_, dest_) &&
            (source_.prefix.starts_with(dest_.prefix) ||
             dest_.prefix.starts_with(source_.prefix))) {
            throw Error(ErrorCode::kInvalidArgument,
                        "the source and destination prefixes overlap in one container",
                        "invalid_argument");
        }

        if (direction_ == Direction::kUpload) {
            const auto& local = std::get<LocalSide>(endpoints_.source);
            folder_ = LocalFolder::Open(local.root, local.path, false);
            if (!folder_) {
                throw Error(ErrorCode::kNotFound,
                            "the local folder '" +
                                (local.path.empty() ? local.root.string() : local.path) +
                                "' does not exist",
                            "local_folder_not_found");
            }
            walk_ = std::make_unique<LocalWalk>(*folder_, false);
            source_stream_ = std::make_unique<StreamRef>(*walk_);
        } else {
            source_stream_ = std::make_unique<BlobListing>(
                *source_.client, source_.container, source_.prefix, call_, options_.list_page_size);
        }
        if (direction_ == Direction::kDownload) {
            const auto& local = std::get<LocalSide>(endpoints_.destination);
            folder_ = LocalFolder::Open(local.root, local.path, !plan_only_);
            if (folder_) {
                // What a run finds under a temporary name is a dead run's: one job has one run
                // at a time, and a run reads a folder before it downloads into it.
                walk_ = std::make_unique<LocalWalk>(*folder_, !plan_only_);
                dest_stream_ = std::make_unique<StreamRef>(*walk_);
            } else {
                dest_stream_ = std::make_unique<EmptyStream>();
            }
        } else {
            dest_stream_ = std::make_unique<BlobListing>(
                *dest_.client, dest_.container, dest_.prefix, call_, options_.list_page_size);
        }

        if (plan_only_) return;
        azure::TransferOptions transfer = options_.transfer;
        transfer.call = call_;
        transfer.on_progress = [this, chained = options_.transfer.on_progress](std::uint64_t n) {
            bytes_done_.fetch_add(n);
            if (chained) chained(n);
            Report(false);
        };
        transfer_.emplace(pool_, std::move(transfer));
        azure::TransferOptions hashing = options_.transfer;
        hashing.call = call_;
        hashing.on_progress = nullptr;
        hashing.compute_md5 = false;  // the blob has no MD5 to check: that is why it is hashed
        hash_transfer_.emplace(pool_, std::move(hashing));
    }

    static BlobSide Checked(const BlobSide& side) {
        if (side.client == nullptr || side.container.empty()) {
            throw Error(ErrorCode::kInvalidArgument, "a container side needs a client and a name",
                        "invalid_argument");
        }
        BlobSide normalized = side;
        normalized.prefix = NormalizedPrefix(side.prefix);
        return normalized;
    }

    // An EntryStream that forwards to one owned elsewhere (the walk, kept for its counters).
    class StreamRef final : public EntryStream {
     public:
        explicit StreamRef(EntryStream& stream) : stream_(stream) {}
        std::optional<SyncEntry> Next() override { return stream_.Next(); }
        [[nodiscard]] bool incomplete() const override { return stream_.incomplete(); }

     private:
        EntryStream& stream_;
    };

    bool Incomplete() const { return source_stream_->incomplete() || dest_stream_->incomplete(); }

    // --- Plan -----------------------------------------------------------------------------

    void Act(SyncPlan& plan, std::string op, const SyncEntry& entry) const {
        if (options_.on_plan_action) options_.on_plan_action({op, entry.path, entry.size});
        if (plan.actions.size() < options_.max_plan_actions) {
            plan.actions.push_back({std::move(op), entry.path, entry.size});
        }
    }

    bool VisitPlan(SyncPlan& plan, const SyncEntry* s, const SyncEntry* d) {
        if (stop_.stop_requested()) return false;
        if (s != nullptr) ++source_entries_;
        if (s != nullptr && direction_ == Direction::kDownload && !Downloadable(s->path)) {
            ++plan.failed;
            Act(plan, "fail", *s);
            return true;
        }
        if (s != nullptr) {
            Verdict verdict =
                d == nullptr ? Verdict::kCopy : Compare(*s, *d, options_.compare, direction_);
            if (d != nullptr && options_.compare == CompareMode::kMd5 &&
                direction_ == Direction::kDownload && s->size == d->size && s->md5.empty()) {
                ++plan.hash_by_download;  // a download is the only way to compare it
            }
            if (verdict == Verdict::kCompareContent) {
                if (NeedsDownloadToHash(*s, *d)) {
                    ++plan.hash_by_download;
                    Act(plan, "hash", *s);
                    return true;
                }
                verdict = Md5Of(true, *s) == Md5Of(false, *d) ? Verdict::kSkip : Verdict::kCopy;
            }
            if (verdict == Verdict::kSkip) {
                ++plan.skip;
            } else {
                ++plan.copy;
                plan.bytes += s->size;
                Act(plan, "copy", *s);
            }
        } else if (options_.delete_extraneous) {
            ++plan.remove;
            Act(plan, "delete", *d);
        }
        return true;
    }

    bool NeedsDownloadToHash(const SyncEntry& s, const SyncEntry& d) const {
        return (direction_ != Direction::kUpload && s.md5.empty()) ||
               (direction_ != Direction::kDownload && d.md5.empty());
    }

    // The MD5 of an entry of the source (`source`) or destination side: a blob's own, or a
    // local file's, hashed, or a blob without one, hashed by download.
    std::string Md5Of(bool source, const SyncEntry& entry) const {
        const bool local =
            source ? direction_ == Direction::kUpload : direction_ == Direction::kDownload;
        if (local) {
            const UniqueFd fd = folder_->OpenFile(entry.path);
            crypto::Md5Hasher hasher;
            std::string buffer(1U << 20U, '\0');
            for (;;) {
                const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) {
                    throw Error(ErrorCode::kInternal,
                                "cannot read '" + entry.path + "': " + std::strerror(errno),
                                "local_file");
                }
                if (n == 0) break;
                hasher.Update(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
                if (stop_.stop_requested()) throw azure::StorageError::Cancelled("hash");
            }
            return crypto::Base64Encode(hasher.Finish());
        }
        if (!entry.md5.empty()) return entry.md5;
        const BlobSide& side = source ? source_ : dest_;
        HashingSink sink;
        hash_transfer_->Download(*side.client, side.container, side.prefix + entry.path, sink);
        return sink.Md5();
    }

    // --- Run ------------------------------------------------------------------------------

    void Transfers() {
        const std::size_t in_flight =
            options_.files_in_flight == 0 ? pool_.size() * 2 : options_.files_in_flight;
        azure::TaskGroup group(pool_, in_flight);
        group_ = &group;
        try {
            MergeListings(*source_stream_, *dest_stream_,
                          [this](const SyncEntry* s, const SyncEntry* d) { return Visit(s, d); });
        } catch (const std::exception& e) {
            // The copies under way are sound; the rest of the merge is not to be trusted.
            if (!stop_.stop_requested()) {
                const std::lock_guard lock(mutex_);
                if (!listing_error_) listing_error_ = AsError(e);
            }
        }
        group.Wait();  // the tasks catch everything
        group_ = nullptr;
    }

    bool Visit(const SyncEntry* s, const SyncEntry* d) {
        if (stop_.stop_requested()) return false;
        if (s != nullptr) {
            ++source_entries_;
            files_total_.fetch_add(1);
            if (direction_ == Direction::kDownload && !Downloadable(s->path)) {
                Fail(s->path, s->size, NotDownloadable(s->path));
            } else if (d == nullptr) {
                bytes_total_.fetch_add(s->size);
                Dispatch(*s, std::nullopt);
            } else {
                switch (Compare(*s, *d, options_.compare, direction_)) {
                    case Verdict::kSkip:
                        files_skipped_.fetch_add(1);
                        break;
                    case Verdict::kCopy:
                        bytes_total_.fetch_add(s->size);
                        Dispatch(*s, std::nullopt);
                        break;
                    case Verdict::kCompareContent:
                        Dispatch(*s, *d);
                        break;
                }
            }
        } else if (options_.delete_extraneous) {
            ++delete_candidates_;
            // Past the limit the run deletes nothing: only the count matters then.
            if (!options_.max_delete || deletes_.size() <= *options_.max_delete) {
                deletes_.Add(d->path, d->size);
            }
        }
        Report(false);
        return true;
    }

    // Transfers `s` (after comparing contents with `d`, when given): small files as tasks of
    // the pool, a large one here, itself in parallel blocks.
    void Dispatch(SyncEntry s, std::optional<SyncEntry> d) {
        const bool large = s.size > options_.transfer.single_shot_threshold;
        auto work = [this, s = std::move(s), d = std::move(d)] { Work(s, d ? &*d : nullptr); };
        if (large) {
            work();
        } else {
            group_->Submit(work);
        }
    }

    void Work(const SyncEntry& s, const SyncEntry* d) {
        if (stop_.stop_requested()) return;
        try {
            if (d != nullptr) {
                if (Md5Of(true, s) == Md5Of(false, *d)) {
                    files_skipped_.fetch_add(1);
                    Report(false);
                    return;
                }
                bytes_total_.fetch_add(s.size);
            }
            switch (direction_) {
                case Direction::kDownload:
                    Download(s);
                    break;
                case Direction::kUpload:
                    Upload(s);
                    break;
                case Direction::kCopy:
                    Copy(s);
                    break;
            }
            files_done_.fetch_add(1);
            Item({SyncItem::Outcome::kCopied, s.path, s.size, {}, {}});
        } catch (const std::exception& e) {
            Fail(s.path, s.size, e);
        }
        Report(false);
    }

    void Download(const SyncEntry& s) {
        const auto [parent, name] = SplitLast(s.path);
        UniqueFd dir = folder_->OpenDirectory(parent, true);
        std::optional<core::UnixMillis> mtime = s.mtime;
        azure::DownloadOptions download;
        // The version downloaded may be newer than the one listed: its time is the one to keep.
        download.on_properties = [&mtime](const azure::BlobProperties& p) {
            if (auto m = EffectiveMtime(p.metadata, p.last_modified)) mtime = m;
        };
        if (s.size > options_.transfer.single_shot_threshold) {
            ResumableDownload file(
                std::move(dir), std::string(name),
                {source_.client, source_.container, source_.prefix + s.path, s.etag, s.size},
                options_.resume_record_interval);
            if (file.found_leftover()) {
                const std::lock_guard lock(mutex_);
                claimed_.insert(s.path);
            }
            // Bytes a stopped run kept are not transferred again (unless they turn out wrong).
            const std::uint64_t reused = file.reused_bytes();
            bytes_total_.fetch_sub(reused);
            const azure::Transfer transfer(pool_, LargeDownloadOptions(s.size));
            try {
                file.Run(transfer, pool_, download);
            } catch (...) {
                bytes_total_.fetch_add(reused - file.reused_bytes());
                throw;
            }
            bytes_total_.fetch_add(reused - file.reused_bytes());
            file.Commit(mtime);
            return;
        }
        TemporaryFile file(std::move(dir), std::string(name));
        {
            azure::FileSink sink(file.TakeFile());
            transfer_->Download(*source_.client, source_.container, source_.prefix + s.path, sink,
                                download);
            if (mtime) file.SetModified(*mtime);
            sink.Sync();
        }
        file.Commit();
    }

    // A large download's ranges, unless a block size was asked for: one per request in flight
    // (between 8 and 128 MiB), as rclone's multi-thread streams. Fewer, larger ranges cost the
    // service less (Azurite serves 1 GiB in 128 MiB ranges about a quarter faster than in 8 MiB
    // ones), and they lose nothing to a stop: the record keeps what arrived of a range that
    // broke off, however long it is.
    azure::TransferOptions LargeDownloadOptions(std::uint64_t size) const {
        azure::TransferOptions options = transfer_->options();
        if (options_.transfer.block_size != 0) return options;
        constexpr std::uint64_t kMiB = 1ULL << 20U;
        const std::uint64_t in_flight = std::max<std::size_t>(1, options.concurrency);
        const std::uint64_t per_request =
            ((size + in_flight - 1) / in_flight + kMiB - 1) / kMiB * kMiB;
        options.block_size =
            std::clamp(per_request, azure::kDefaultBlockSize, 16 * azure::kDefaultBlockSize);
        return options;
    }

    void Upload(const SyncEntry& s) {
        UniqueFd fd = folder_->OpenFile(s.path);
        struct stat info {};
        if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) {
            throw Error(ErrorCode::kInvalidArgument, "'" + s.path + "' is not a regular file",
                        "local_file");
        }
        const core::UnixMillis mtime = static_cast<core::UnixMillis>(info.st_mtim.tv_sec) * 1000 +
                                       info.st_mtim.tv_nsec / 1'000'000;
        azure::FileSource source(fd.release(), s.path);
        azure::UploadOptions upload;
        upload.headers.content_type = GuessContentType(SplitLast(s.path).second);
        upload.metadata[std::string(kMtimeMetadataName)] = FormatStoredMtime(mtime);
        transfer_->Upload(*dest_.client, dest_.container, dest_.prefix + s.path, source, upload);
    }

    void Copy(const SyncEntry& s) {
        const std::string destination = dest_.prefix + s.path;
        transfer_->Copy(*source_.client, source_.container, source_.prefix + s.path, *dest_.client,
                        dest_.container, destination);
        // The copy's Last-Modified is the time of the copy: keep the source's time, so that
        // the next run finds the two alike (a source that kept one had it copied already).
        if (!StoredMtime(s.metadata) && s.mtime) {
            azure::Metadata metadata = s.metadata;
            metadata[std::string(kMtimeMetadataName)] = FormatStoredMtime(*s.mtime);
            dest_.client->SetBlobMetadata(dest_.container, destination, metadata, call_);
        }
    }

    // Removes the temporary files the walk kept with their records (a stopped download's) for
    // the paths the run did not download: gone from the source, or up to date. Only once the
    // whole source was seen: a stopped run may not have reached a path yet.
    void RemoveUnwantedPartials() {
        if (walk_ == nullptr || direction_ != Direction::kDownload || stop_.stop_requested()) {
            return;
        }
        const std::lock_guard lock(mutex_);
        if (listing_error_) return;
        for (const std::string& path : walk_->kept_partials()) {
            if (claimed_.contains(path)) continue;
            const auto [parent, name] = SplitLast(path);
            try {
                const UniqueFd dir = folder_->OpenDirectory(parent, false);
                const std::string temporary = TemporaryNameFor(name);
                for (const std::string& leftover : {temporary, RecordNameFor(temporary)}) {
                    if (::unlinkat(dir.get(), leftover.c_str(), 0) == 0) ++partials_removed_;
                }
            } catch (const Error&) {  // NOLINT(bugprone-empty-catch): gone, or the next run's
            }
        }
    }

    void Deletes() {
        if (!options_.delete_extraneous || delete_candidates_ == 0) return;
        if (stop_.stop_requested() || fatal_ || listing_error_) return;
        if (auto refused = RefuseDeletes(
                {Incomplete(), source_entries_, delete_candidates_, options_.max_delete})) {
            delete_refused_ = std::move(refused);
            return;
        }
        auto remove = [this](const std::string& path, std::uint64_t size) {
            if (stop_.stop_requested()) return;
            try {
                if (direction_ == Direction::kDownload) {
                    folder_->RemoveFile(path);
                } else {
                    try {
                        dest_.client->DeleteBlob(dest_.container, dest_.prefix + path, call_);
                    } catch (const azure::StorageError& e) {
                        if (e.status() != 404) throw;  // gone already
                    }
                }
                deleted_.fetch_add(1);
                Item({SyncItem::Outcome::kDeleted, path, size, {}, {}});
                Report(false);
            } catch (const std::exception& e) {
                if (stop_.stop_requested()) return;  // not done, not failed
                delete_failures_.fetch_add(1);
                Remember(path, e);
                Item({SyncItem::Outcome::kFailed, path, size, e.what(), AsError(e).reason()});
            }
        };
        azure::TaskGroup group(pool_, pool_.size() * 2);
        deletes_.ForEach([&](const std::string& path, std::uint64_t size) {
            if (stop_.stop_requested()) return false;
            if (direction_ == Direction::kDownload) {
                remove(path, size);  // local unlinks are quick; one at a time keeps it simple
            } else {
                group.Submit([&remove, path, size] { remove(path, size); });
            }
            return true;
        });
        group.Wait();
    }

    void Conclude(SyncResult& result) {
        const std::lock_guard lock(mutex_);
        if (external_.stop_requested()) {
            result.cancelled = true;
        } else if (fatal_) {
            result.error = fatal_;
        } else if (listing_error_) {
            result.error = listing_error_;
        } else if (delete_refused_) {
            result.error = delete_refused_;
        } else if (Incomplete()) {
            result.error = Error(ErrorCode::kFailedPrecondition,
                                 walk_ != nullptr && !walk_->first_problem().empty()
                                     ? walk_->first_problem()
                                     : "a listing was incomplete",
                                 "listing_failed");
        } else if (delete_failures_.load() > 0) {
            result.error =
                Error(ErrorCode::kInternal,
                      std::to_string(delete_failures_.load()) + " deletes failed", "delete_failed");
        } else if (const std::uint64_t failed = files_failed_.load(); failed > 0) {
            std::string message =
                std::to_string(failed) + (failed == 1 ? " file" : " files") + " failed";
            if (first_failure_) {
                message +=
                    " (first: " + failures_.front().path + ": " + first_failure_->what() + ")";
            }
            result.error = Error(first_failure_ ? first_failure_->code() : ErrorCode::kInternal,
                                 message, "files_failed");
        }
    }

    // --- Outcomes -------------------------------------------------------------------------

    void Fail(const std::string& path, std::uint64_t size, const std::exception& e) {
        // Transfers stopped by a cancel or by a fatal error elsewhere (however they say it:
        // cancelled, incomplete) are not failures of their own: they are simply not done.
        if (stop_.stop_requested()) return;
        files_failed_.fetch_add(1);
        Remember(path, e);
        if (IsFatal(e)) {
            {
                const std::lock_guard lock(mutex_);
                if (!fatal_) fatal_ = AsError(e);
            }
            stop_.request_stop();
        }
        Item({SyncItem::Outcome::kFailed, path, size, e.what(), AsError(e).reason()});
    }

    void Remember(const std::string& path, const std::exception& e) {
        const std::lock_guard lock(mutex_);
        if (!first_failure_) first_failure_ = AsError(e);
        if (failures_.size() < kMaxFailuresKept) {
            failures_.push_back({path, e.what(), AsError(e).reason()});
        }
    }

    void Item(const SyncItem& item) {
        if (!options_.on_item) return;
        const std::lock_guard lock(item_mutex_);
        options_.on_item(item);
    }

    SyncProgress Snapshot() const {
        SyncProgress p;
        p.files_total = files_total_.load();
        p.files_done = files_done_.load();
        p.files_skipped = files_skipped_.load();
        p.files_failed = files_failed_.load();
        p.files_deleted = deleted_.load();
        p.bytes_total = bytes_total_.load();
        p.bytes_done = bytes_done_.load();
        return p;
    }

    // Calls on_progress at most every progress_interval (and always when `final`), one call
    // at a time: a thread that finds another one reporting leaves it to that one.
    void Report(bool final) {
        if (!options_.on_progress) return;
        const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
        const auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                  options_.progress_interval)
                                  .count();
        if (!final && now - last_report_.load() < interval) return;
        std::unique_lock lock(report_mutex_, std::defer_lock);
        if (final) {
            lock.lock();
        } else if (!lock.try_lock()) {
            return;
        }
        last_report_.store(now);
        options_.on_progress(Snapshot());
    }

    azure::TransferPool& pool_;
    const SyncOptions& options_;
    const SyncEndpoints& endpoints_;
    std::stop_token external_;
    bool plan_only_;
    std::stop_source stop_;  // the caller's stop, or a fatal error's
    std::stop_callback<RequestStop> link_;

    Direction direction_ = Direction::kDownload;
    azure::CallOptions call_;
    BlobSide source_;
    BlobSide dest_;
    std::optional<LocalFolder> folder_;
    std::unique_ptr<LocalWalk> walk_;
    std::unique_ptr<EntryStream> source_stream_;
    std::unique_ptr<EntryStream> dest_stream_;
    std::optional<azure::Transfer> transfer_;
    std::optional<azure::Transfer> hash_transfer_;
    azure::TaskGroup* group_ = nullptr;

    // The merge thread's.
    std::uint64_t source_entries_ = 0;
    std::uint64_t delete_candidates_ = 0;
    SpilledList deletes_;

    std::atomic<std::uint64_t> files_total_{0};
    std::atomic<std::uint64_t> files_done_{0};
    std::atomic<std::uint64_t> files_skipped_{0};
    std::atomic<std::uint64_t> files_failed_{0};
    std::atomic<std::uint64_t> bytes_total_{0};
    std::atomic<std::uint64_t> bytes_done_{0};
    std::atomic<std::uint64_t> deleted_{0};
    std::atomic<std::uint64_t> delete_failures_{0};

    std::mutex mutex_;  // guards what follows
    std::optional<Error> fatal_;
    std::optional<Error> listing_error_;
    std::optional<Error> delete_refused_;
    std::optional<Error> first_failure_;
    std::vector<SyncFailure> failures_;
    std::set<std::string> claimed_;  // paths whose kept partial download was taken up
    std::uint64_t partials_removed_ = 0;

    std::mutex item_mutex_;
    std::mutex report_mutex_;
    std::atomic<std::int64_t> last_report_{0};
};

}  // namespace

Direction DirectionOf(const SyncEndpoints& endpoints) {
    const bool local_source = std::holds_alternative<LocalSide>(endpoints.source);
    const bool local_destination = std::holds_alternative<LocalSide>(endpoints.destination);
    if (local_source && local_destination) {
        throw Error(ErrorCode::kInvalidArgument, "a sync needs a container on at least one side",
                    "invalid_direction");
    }
    if (local_source) return Direction::kUpload;
    return local_destination ? Direction::kDownload : Direction::kCopy;
}

SyncEngine::SyncEngine(azure::TransferPool& pool, SyncOptions options)
    : pool_(pool), options_(std::move(options)) {}

SyncPlan SyncEngine::Plan(const SyncEndpoints& endpoints, std::stop_token stop) const {
    SyncRun run(pool_, options_, endpoints, std::move(stop), true);
    return run.Plan();
}

SyncResult SyncEngine::Run(const SyncEndpoints& endpoints, std::stop_token stop) const {
    SyncRun run(pool_, options_, endpoints, std::move(stop), false);
    return run.Run();
}

}  // namespace cerulean::sync
