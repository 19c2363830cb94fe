#include "sync/resumable_download.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <utility>
#include <vector>

#include "azure/storage_error.hpp"
#include "core/error.hpp"
#include "sync/local_path.hpp"

namespace cerulean::sync {
namespace {

using core::Error;
using core::ErrorCode;

std::string UrlWithoutQuery(std::string_view url) {
    return std::string(url.substr(0, url.find_first_of("?#")));
}

// Whether a failed download's bytes are worth nothing: of another version of the blob, of a
// blob that is gone, or not matching its MD5.
bool Worthless(const std::exception& e) {
    const auto* error = dynamic_cast<const Error*>(&e);
    return error != nullptr &&
           (error->reason() == "blob_changed" || error->reason() == "md5_mismatch" ||
            error->code() == ErrorCode::kNotFound);
}

bool DiskFull(const std::exception& e) {
    const auto* error = dynamic_cast<const Error*>(&e);
    return error != nullptr && error->reason() == "disk_full";
}

}  // namespace

// A file sink that keeps account of the ranges written into it, and saves them as the file's
// record now and then (the file flushed first) and when asked.
class ResumableDownload::RecordingSink final : public azure::DownloadSink {
 public:
    RecordingSink(int fd, int dir, std::string record_name, RangeRecord record,
                  std::chrono::milliseconds interval, bool on_disk)
        : file_(fd),
          dir_(dir),
          record_name_(std::move(record_name)),
          record_(std::move(record)),
          interval_(std::chrono::duration_cast<Clock::duration>(interval).count()),
          last_save_(Clock::now().time_since_epoch().count()),
          on_disk_(on_disk) {}

    void WriteAt(std::uint64_t offset, std::string_view bytes) override {
        file_.WriteAt(offset, bytes);
        {
            const std::lock_guard lock(mutex_);
            record_.ranges.Add(offset, offset + bytes.size());
            ++changes_;
        }
        if (Clock::now().time_since_epoch().count() - last_save_.load() >= interval_) SaveSoon();
    }
    [[nodiscard]] bool random_access() const override { return true; }
    std::size_t ReadAt(std::uint64_t offset, char* buffer, std::size_t size) override {
        return file_.ReadAt(offset, buffer, size);
    }
    [[nodiscard]] bool readable() const override { return true; }
    void Finish(std::uint64_t end_offset) override { file_.Finish(end_offset); }

    // The blob's version and size, once known: a record may be saved from then on.
    void Identify(const std::string& etag, std::uint64_t size) {
        const std::lock_guard lock(mutex_);
        record_.etag = etag;
        record_.size = size;
    }

    // Forgets every range and empties the file (its record must be gone already).
    void Reset() {
        const std::lock_guard save(save_mutex_);
        {
            const std::lock_guard lock(mutex_);
            record_.ranges = {};
            record_.etag.clear();
            changes_ = saved_changes_ = 0;
        }
        on_disk_ = false;
        file_.Finish(0);
    }

    [[nodiscard]] std::vector<ByteRange> Missing() {
        const std::lock_guard lock(mutex_);
        return record_.ranges.Missing(record_.size);
    }

    // Flushes the file and saves the record of what it holds. False when no record could be
    // (the blob's version is not known yet); throws when saving failed.
    bool Save() {
        const std::lock_guard lock(save_mutex_);
        return SaveLocked();
    }

    // Whether a record of the file is on the disk (saved now or earlier, or continued).
    [[nodiscard]] bool on_disk() {
        const std::lock_guard lock(save_mutex_);
        return on_disk_;
    }

    void Sync() { file_.Sync(); }

 private:
    using Clock = std::chrono::steady_clock;

    // From a writer: saves unless another writer is saving.
    void SaveSoon() noexcept {
        const std::unique_lock lock(save_mutex_, std::try_to_lock);
        if (!lock.owns_lock()) return;
        try {
            SaveLocked();
        } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): saved again later
        }
    }

    bool SaveLocked() {
        last_save_.store(Clock::now().time_since_epoch().count());
        RangeRecord snapshot;
        std::uint64_t changes = 0;
        {
            const std::lock_guard lock(mutex_);
            if (record_.etag.empty()) return false;
            if (on_disk_ && changes_ == saved_changes_) return true;
            snapshot = record_;
            changes = changes_;
        }
        // The bytes first: a record claims only what a crash cannot take back.
        file_.Sync();
        WriteRangeRecord(dir_, record_name_, snapshot);
        on_disk_ = true;
        saved_changes_ = changes;
        return true;
    }

    azure::FileSink file_;
    int dir_;
    std::string record_name_;
    std::mutex mutex_;  // guards record_ and the counts of changes
    RangeRecord record_;
    std::uint64_t changes_ = 0;
    std::uint64_t saved_changes_ = 0;
    Clock::rep interval_;
    std::atomic<Clock::rep> last_save_;
    std::mutex save_mutex_;  // one save at a time; guards on_disk_
    bool on_disk_;
};

ResumableDownload::ResumableDownload(UniqueFd dir, std::string name, ResumableSource source,
                                     std::chrono::milliseconds save_interval)
    : source_(std::move(source)),
      url_(UrlWithoutQuery(source_.client->BlobUrlOf(source_.container, source_.blob))) {
    const std::string temporary = TemporaryNameFor(name);
    record_name_ = RecordNameFor(temporary);
    struct stat file_info {};
    struct stat record_info {};
    const bool file_there =
        ::fstatat(dir.get(), temporary.c_str(), &file_info, AT_SYMLINK_NOFOLLOW) == 0;
    const bool record_there =
        ::fstatat(dir.get(), record_name_.c_str(), &record_info, AT_SYMLINK_NOFOLLOW) == 0;
    found_leftover_ = file_there || record_there;
    std::optional<RangeRecord> record;
    if (file_there && record_there && S_ISREG(file_info.st_mode)) {
        record = ReadRangeRecord(dir.get(), record_name_);
    }
    const auto matches = [&](const RangeRecord& r) {
        return r.size == source_.size && !r.ranges.ranges().empty() &&
               r.ranges.ranges().back().end <= static_cast<std::uint64_t>(file_info.st_size) &&
               (source_.etag.empty() || BareEtag(r.etag) == BareEtag(source_.etag)) &&
               (r.url.empty() || r.url == url_);
    };
    resuming_ = record && matches(*record);
    if (!resuming_) {
        record = RangeRecord{url_, {}, 0, {}};
        // Before the file is emptied: a record must never claim bytes that are gone.
        if (record_there) ::unlinkat(dir.get(), record_name_.c_str(), 0);
    } else {
        etag_ = record->etag;
        reused_ = record->ranges.bytes();
    }
    file_.emplace(std::move(dir), std::move(name),
                  resuming_ ? TemporaryFile::Leftover::kKeep : TemporaryFile::Leftover::kEmpty);
    sink_ = std::make_unique<RecordingSink>(file_->TakeFile(), file_->dir(), record_name_,
                                            std::move(*record), save_interval, resuming_);
}

ResumableDownload::~ResumableDownload() {
    if (!settled_) ::unlinkat(file_->dir(), record_name_.c_str(), 0);
}

azure::TransferResult ResumableDownload::Run(const azure::Transfer& transfer,
                                             azure::TransferPool& pool,
                                             azure::DownloadOptions download) {
    const auto chained = std::move(download.on_properties);
    download.on_properties = [this, &chained](const azure::BlobProperties& properties) {
        sink_->Identify(properties.etag, properties.content_length);
        if (chained) chained(properties);
    };
    for (;;) {
        try {
            if (resuming_) return Continue(transfer, pool, download);
            return transfer.Download(*source_.client, source_.container, source_.blob, *sink_,
                                     download);
        } catch (const std::exception& e) {
            // A full disk: what was kept would hold the space that the rest needs, so the
            // file and its record go (the destructor removes them).
            if (DiskFull(e)) throw;
            if (!Worthless(e)) {
                KeepForLater();
                throw;
            }
            // What was kept turned out wrong (changed since, or damaged): once more afresh.
            if (resuming_ && !transfer.options().call.stop.stop_requested()) {
                StartAfresh();
                continue;
            }
            throw;  // the destructor removes the file and its record
        }
    }
}

void ResumableDownload::Commit(std::optional<core::UnixMillis> mtime) {
    if (mtime) file_->SetModified(*mtime);
    sink_->Sync();
    file_->Commit();
    ::unlinkat(file_->dir(), record_name_.c_str(), 0);
    settled_ = true;
}

void ResumableDownload::StartAfresh() {
    ::unlinkat(file_->dir(), record_name_.c_str(), 0);  // first: see the constructor
    sink_->Reset();
    resuming_ = false;
    reused_ = 0;
    etag_.clear();
}

azure::TransferResult ResumableDownload::Continue(const azure::Transfer& transfer,
                                                  azure::TransferPool& pool,
                                                  azure::DownloadOptions download) {
    // The gaps before the last one go first, in blocks; the last one, up to the end, goes
    // through the transfer, which reads the rest of the file back to check the whole MD5.
    std::vector<ByteRange> missing = sink_->Missing();
    std::uint64_t tail = source_.size;
    if (!missing.empty() && missing.back().end == source_.size) {
        tail = missing.back().first;
        missing.pop_back();
    }
    const azure::TransferOptions& options = transfer.options();
    const std::uint64_t block = azure::PlanBlocks(std::nullopt, options.block_size).block_size;
    {
        azure::TaskGroup group(pool, std::max<std::size_t>(1, options.concurrency));
        for (const ByteRange& gap : missing) {
            for (std::uint64_t offset = gap.first; offset < gap.end; offset += block) {
                const std::uint64_t length = std::min(block, gap.end - offset);
                auto task = [this, &transfer, offset, length] {
                    FetchRange(transfer, offset, length);
                };
                if (!group.Submit(task)) break;
            }
        }
        group.Wait();
    }
    download.offset = tail;
    download.if_match = etag_;
    return transfer.Download(*source_.client, source_.container, source_.blob, *sink_, download);
}

void ResumableDownload::FetchRange(const azure::Transfer& transfer, std::uint64_t offset,
                                   std::uint64_t length) {
    azure::GetBlobOptions range;
    range.offset = offset;
    range.length = length;
    range.conditions.if_match = etag_;
    std::uint64_t at = offset;
    try {
        source_.client->GetBlob(
            source_.container, source_.blob,
            [&](std::string_view bytes) {
                sink_->WriteAt(at, bytes);
                at += bytes.size();
            },
            range, transfer.options().call);
    } catch (const azure::StorageError& e) {
        if (e.status() != 412) throw;
        throw Error(ErrorCode::kFailedPrecondition,
                    "the blob changed since the partial download (its ETag differs)",
                    "blob_changed");
    }
    if (at != offset + length) {
        throw Error(ErrorCode::kInternal, "a ranged read came back short", "download_incomplete");
    }
    if (transfer.options().on_progress) transfer.options().on_progress(length);
}

void ResumableDownload::KeepForLater() {
    bool kept = false;
    try {
        kept = sink_->Save();
    } catch (const std::exception&) {
        kept = sink_->on_disk();  // an older record claims less, never more
    }
    if (!kept) return;
    file_->Keep();
    settled_ = true;
}

}  // namespace cerulean::sync
