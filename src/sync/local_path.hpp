#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace cerulean::sync {

/// The relative local path a blob name (below its prefix) maps to under a download folder, or
/// empty when the name cannot be a safe relative path (an absolute path, an empty, "." or ".."
/// segment, a NUL byte).
std::string SafeRelativePath(std::string_view blob_name);

/// Checks a job's local folder `local_path` against the sync root `sync_root` (for the API, at
/// job creation, and again by LocalFolder::Open when a run starts): relative, no ".." segment,
/// no NUL byte, and no existing part of it a symlink leading outside the root or something
/// other than a folder. Returns the path normalized ("." and empty segments dropped, no
/// trailing '/'; "" is the root itself). Throws core::Error (kInvalidArgument,
/// "invalid_local_path") when it is refused; the message names the path, never the root.
std::string ValidateLocalPath(const std::filesystem::path& sync_root, std::string_view local_path);

/// Whether the canonical path `path` is the canonical folder `root` or inside it.
bool IsInside(const std::filesystem::path& path, const std::filesystem::path& root);

/// The name a download of `name` is written to until complete, next to it:
/// ".NAME.cerulean-partial" (the name `cerulean blob get` uses too).
std::string TemporaryNameFor(std::string_view name);

/// The resume record kept beside the temporary file `temporary` (TemporaryNameFor):
/// ".NAME.cerulean-partial.json", the name `cerulean blob get` gives its record too.
std::string RecordNameFor(std::string_view temporary);

/// The final name whose temporary file is `temporary` ("NAME" for ".NAME.cerulean-partial"),
/// or empty when `temporary` is not one (a record, or no temporary name at all).
std::string_view NameOfTemporary(std::string_view temporary);

/// Whether `name` (one path segment) is a download's temporary file or its resume record
/// (".NAME.cerulean-partial", and "….json", "….json.tmp"): never synced. The next run removes
/// them from a destination folder, but for a temporary file kept with its record, which a
/// download of NAME continues (see ResumableDownload).
bool IsTemporaryName(std::string_view name);

/// Removes every download's temporary file and resume record (IsTemporaryName) below the
/// folder `local_path` of `sync_root` (validated as ValidateLocalPath does), never following a
/// symlink: what a run that was cancelled for good leaves nothing of. Returns how many were
/// removed; a missing folder is none.
std::uint64_t RemoveTemporaryFiles(const std::filesystem::path& sync_root,
                                   std::string_view local_path);

}  // namespace cerulean::sync
