#include "sync/sync_plan.hpp"

namespace cerulean::sync {
namespace {

using core::Error;
using core::ErrorCode;

// Pulls a stream and checks its order.
class OrderedCursor {
 public:
    OrderedCursor(EntryStream& stream, std::string_view side) : stream_(stream), side_(side) {
        Advance();
    }
    const SyncEntry* get() const { return current_ ? &*current_ : nullptr; }
    void Advance() {
        current_ = stream_.Next();
        if (!current_) return;
        if (started_ && !NameLess(previous_, current_->path)) {
            throw Error(ErrorCode::kInternal,
                        "the " + std::string(side_) + " listing is out of order at '" +
                            current_->path + "'",
                        "listing_failed");
        }
        started_ = true;
        previous_ = current_->path;
    }

 private:
    EntryStream& stream_;
    std::string_view side_;
    std::optional<SyncEntry> current_;
    std::string previous_;
    bool started_ = false;
};

}  // namespace

std::string_view ToString(Direction direction) {
    switch (direction) {
        case Direction::kDownload:
            return "download";
        case Direction::kUpload:
            return "upload";
        case Direction::kCopy:
            return "copy";
    }
    return "download";
}

std::string_view ToString(CompareMode mode) {
    return mode == CompareMode::kMd5 ? "md5" : "size_mtime";
}

Direction ParseDirection(std::string_view text) {
    for (const Direction d : {Direction::kDownload, Direction::kUpload, Direction::kCopy}) {
        if (text == ToString(d)) return d;
    }
    throw Error(ErrorCode::kInvalidArgument, "direction must be download, upload or copy",
                "invalid_direction");
}

CompareMode ParseCompareMode(std::string_view text) {
    for (const CompareMode m : {CompareMode::kSizeMtime, CompareMode::kMd5}) {
        if (text == ToString(m)) return m;
    }
    throw Error(ErrorCode::kInvalidArgument, "compare must be size_mtime or md5",
                "invalid_compare");
}

Verdict Compare(const SyncEntry& source, const SyncEntry& destination, CompareMode mode,
                Direction direction) {
    if (source.size != destination.size) return Verdict::kCopy;
    if (mode == CompareMode::kSizeMtime) {
        return source.mtime && destination.mtime && *source.mtime == *destination.mtime
                   ? Verdict::kSkip
                   : Verdict::kCopy;
    }
    if (!source.md5.empty() && !destination.md5.empty()) {
        return source.md5 == destination.md5 ? Verdict::kSkip : Verdict::kCopy;
    }
    if (direction == Direction::kDownload && source.md5.empty()) return Verdict::kCopy;
    return Verdict::kCompareContent;
}

void MergeListings(
    EntryStream& source, EntryStream& destination,
    const std::function<bool(const SyncEntry* source, const SyncEntry* destination)>& visit) {
    OrderedCursor s(source, "source");
    OrderedCursor d(destination, "destination");
    while (s.get() != nullptr || d.get() != nullptr) {
        const SyncEntry* a = s.get();
        const SyncEntry* b = d.get();
        if (b == nullptr || (a != nullptr && NameLess(a->path, b->path))) {
            if (!visit(a, nullptr)) return;
            s.Advance();
        } else if (a == nullptr || NameLess(b->path, a->path)) {
            if (!visit(nullptr, b)) return;
            d.Advance();
        } else {
            if (!visit(a, b)) return;
            s.Advance();
            d.Advance();
        }
    }
}

std::optional<core::Error> RefuseDeletes(const DeleteCheck& check) {
    if (check.deletes == 0) return std::nullopt;
    if (check.listing_incomplete) {
        return Error(ErrorCode::kFailedPrecondition,
                     "nothing was deleted: a listing was incomplete, so what the source lacks "
                     "is not known",
                     "listing_failed");
    }
    if (check.source_entries == 0) {
        return Error(ErrorCode::kFailedPrecondition,
                     "nothing was deleted: the source is empty, and deleting would empty the "
                     "destination (" +
                         std::to_string(check.deletes) + " items)",
                     "source_empty");
    }
    if (check.max_delete && check.deletes > *check.max_delete) {
        return Error(ErrorCode::kFailedPrecondition,
                     "nothing was deleted: " + std::to_string(check.deletes) +
                         " deletes are more than max_delete (" + std::to_string(*check.max_delete) +
                         ")",
                     "too_many_deletes");
    }
    return std::nullopt;
}

}  // namespace cerulean::sync
