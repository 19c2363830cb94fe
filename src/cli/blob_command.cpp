#include "cli/blob_command.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "azure/blob_client.hpp"
#include "azure/storage_error.hpp"
#include "azure/transfer.hpp"
#include "azure/transfer_pool.hpp"
#include "cli/blob_session.hpp"
#include "cli/interrupt.hpp"
#include "cli/partial_download.hpp"
#include "cli/progress_bar.hpp"
#include "cli/remote_path.hpp"
#include "cli/sync_command.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "sync/content_type.hpp"
#include "sync/local_path.hpp"

namespace cerulean::cli {
namespace {

namespace fs = std::filesystem;
using azure::BlobClient;
using azure::TransferResult;
using core::Error;
using core::ErrorCode;
using sync::GuessContentType;
using sync::SafeRelativePath;

constexpr std::string_view kEnvironmentVariable = "AZURE_STORAGE_CONNECTION_STRING";

std::string TimeText(const std::optional<core::UnixMillis>& t) {
    return t ? core::FormatRfc3339(*t) : std::string();
}

boost::json::object ItemJson(std::string_view name, std::uint64_t size, std::string_view etag,
                             const std::optional<core::UnixMillis>& last_modified,
                             std::string_view md5) {
    boost::json::object o;
    o["name"] = name;
    o["size"] = size;
    // Listings give ETags bare, response headers quoted: print them one way.
    if (!etag.empty()) {
        o["etag"] = etag.front() == '"' ? std::string(etag) : "\"" + std::string(etag) + "\"";
    }
    if (last_modified) o["last_modified"] = TimeText(last_modified);
    if (!md5.empty()) o["content_md5"] = md5;
    return o;
}

boost::json::object ResultJson(std::string_view name, const TransferResult& r) {
    return ItemJson(name, r.size, r.etag, r.last_modified, r.content_md5);
}

// The last segment of a blob name or path ("a/b/c.txt" -> "c.txt").
std::string BaseName(std::string_view name) {
    while (!name.empty() && name.back() == '/') name.remove_suffix(1);
    const std::size_t slash = name.rfind('/');
    return std::string(slash == std::string_view::npos ? name : name.substr(slash + 1));
}

RemotePath Remote(std::string_view text) {
    return ParseRemotePath(text);
}

// --- ls -----------------------------------------------------------------------------------------

int List(BlobSession& s) {
    const BlobArgs& args = s.args();
    if (args.operands.size() > 1) throw Usage("usage: cerulean blob ls [az://CONTAINER[/PREFIX]]");
    s.bar().Stop();
    if (args.operands.empty() || Remote(args.operands[0]).container.empty()) {
        azure::ListContainersOptions options;
        do {
            const azure::ContainerListPage page = s.client().ListContainers(options, s.call());
            for (const auto& c : page.containers) {
                boost::json::object o;
                o["name"] = c.name;
                if (!c.etag.empty()) o["etag"] = c.etag;
                if (c.last_modified) o["last_modified"] = TimeText(c.last_modified);
                s.Emit(o, c.name);
            }
            options.marker = page.next_marker;
        } while (!options.marker.empty());
        return s.ExitStatus();
    }
    const RemotePath remote = Remote(args.operands[0]);
    azure::ListBlobsOptions options;
    options.prefix = remote.path;
    if (!args.recursive) {
        options.delimiter = "/";
        // "az://c/dir" lists the folder's contents, like "az://c/dir/".
        if (!options.prefix.empty() && options.prefix.back() != '/') {
            const azure::BlobListPage probe = s.client().ListBlobs(
                remote.container, {options.prefix + "/", "/", {}, 1, false}, s.call());
            if (!probe.blobs.empty() || !probe.prefixes.empty()) options.prefix += '/';
        }
    }
    do {
        const azure::BlobListPage page = s.client().ListBlobs(remote.container, options, s.call());
        for (const auto& prefix : page.prefixes) {
            boost::json::object o;
            o["name"] = prefix;
            o["type"] = "prefix";
            s.Emit(o, std::string(12, ' ') + "  " + std::string(20, ' ') + "  " + prefix);
        }
        for (const auto& b : page.blobs) {
            std::string plain = std::to_string(b.size);
            if (plain.size() < 12) plain.insert(0, 12 - plain.size(), ' ');
            std::string when = TimeText(b.last_modified);
            when.resize(20, ' ');
            plain += "  " + when + "  " + b.name;
            s.Emit(ItemJson(b.name, static_cast<std::uint64_t>(b.size), b.etag, b.last_modified,
                            b.content_md5),
                   plain);
        }
        options.marker = page.next_marker;
    } while (!options.marker.empty());
    return s.ExitStatus();
}

// --- mb, rb -------------------------------------------------------------------------------------

int MakeContainer(BlobSession& s) {
    Need(s.args(), 1, "az://CONTAINER");
    const RemotePath remote = RemoteWithContainer(s.args().operands[0]);
    if (!remote.path.empty()) throw Usage("mb takes a container, not a blob path");
    s.bar().Stop();
    s.client().CreateContainer(remote.container, azure::PublicAccess::kNone, {}, s.call());
    boost::json::object o;
    o["name"] = remote.container;
    s.Emit(o, "");
    return 0;
}

int RemoveContainer(BlobSession& s) {
    Need(s.args(), 1, "az://CONTAINER [--force]");
    const RemotePath remote = RemoteWithContainer(s.args().operands[0]);
    if (!remote.path.empty()) throw Usage("rb takes a container, not a blob path");
    s.bar().Stop();
    if (!s.args().force) {
        azure::ListBlobsOptions options;
        options.max_results = 1;
        if (!s.client().ListBlobs(remote.container, options, s.call()).blobs.empty()) {
            throw Error(ErrorCode::kFailedPrecondition,
                        "container " + remote.container + " is not empty (use --force)",
                        "container_not_empty");
        }
    }
    s.client().DeleteContainer(remote.container, s.call());
    boost::json::object o;
    o["name"] = remote.container;
    s.Emit(o, "");
    return 0;
}

// --- put ----------------------------------------------------------------------------------------

azure::UploadOptions UploadOptionsFor(const fs::path& file) {
    azure::UploadOptions upload;
    upload.headers.content_type = GuessContentType(file.filename().string());
    return upload;
}

void PutOne(BlobSession& s, const fs::path& file, const std::string& container,
            const std::string& name) {
    try {
        azure::FileSource source(file);
        const TransferResult r =
            s.transfer().Upload(s.client(), container, name, source, UploadOptionsFor(file));
        s.bar().AddItem();
        s.Emit(ResultJson(name, r), "");
    } catch (const std::exception& e) {
        s.Fail(file.string(), e);
    }
}

int Put(BlobSession& s) {
    Need(s.args(), 2, "LOCAL az://CONTAINER/NAME");
    const fs::path local = s.args().operands[0];
    const RemotePath remote = RemoteWithContainer(s.args().operands[1]);
    std::error_code ec;
    const fs::file_status status = fs::status(local, ec);
    if (ec || !fs::exists(status)) {
        throw Error(ErrorCode::kNotFound, local.string() + ": no such file or directory",
                    "local_file");
    }
    if (!fs::is_directory(status)) {
        if (s.args().recursive && !fs::is_regular_file(status)) {
            throw Usage(local.string() + " is not a file or folder");
        }
        std::string name = remote.path;
        if (name.empty() || name.back() == '/') name += local.filename().string();
        s.bar().AddTotal(fs::file_size(local, ec));
        PutOne(s, local, remote.container, name);
        s.Summary("uploaded", "file");
        return s.ExitStatus();
    }
    if (!s.args().recursive) throw Usage(local.string() + " is a folder (use --recursive)");

    std::string prefix = remote.path;
    if (!prefix.empty() && prefix.back() != '/') prefix += '/';
    struct Item {
        fs::path file;
        std::string name;
        std::uintmax_t size;
    };
    std::vector<Item> small;
    std::vector<Item> large;
    for (auto it = fs::recursive_directory_iterator(local, fs::directory_options::none, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file()) continue;
        const std::uintmax_t size = it->file_size();
        Item item{it->path(), prefix + it->path().lexically_relative(local).generic_string(), size};
        s.bar().AddTotal(size);
        (size <= s.options().single_shot_threshold ? small : large).push_back(std::move(item));
    }
    if (ec) throw Error(ErrorCode::kInvalidArgument, local.string() + ": " + ec.message());

    {
        azure::TaskGroup group(s.pool(), s.pool().size() * 2);
        for (const Item& item : small) {
            if (s.stopped()) break;
            group.Submit(
                [&s, &item, &remote] { PutOne(s, item.file, remote.container, item.name); });
        }
        group.Wait();
    }
    for (const Item& item : large) {
        if (s.stopped()) break;
        PutOne(s, item.file, remote.container, item.name);
    }
    s.Summary("uploaded", "file");
    return s.ExitStatus();
}

// --- get ----------------------------------------------------------------------------------------

// A kept partial download that `--resume` may continue for the blob at `url`, or none (then
// the download starts afresh, saying why on stderr when there was a record).
std::optional<PartialRecord> ResumableRecord(BlobSession& s, std::string_view name,
                                             const fs::path& partial, const std::string& url) {
    std::optional<PartialRecord> record = ReadPartialRecord(RecordPathFor(partial));
    if (!record || record->prefix == 0) return std::nullopt;
    if (record->url != url) {
        s.Note(name, "the partial file is of another blob; downloading afresh");
        return std::nullopt;
    }
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(partial, ec);
    if (ec || size < record->prefix) {
        s.Note(name, "the partial file is shorter than its record says; downloading afresh");
        return std::nullopt;
    }
    return record;
}

// Whether a failed download's bytes are worth keeping: not when they are wrong or of another
// version of the blob, nor when the blob is gone.
bool KeepAfter(const std::exception& error) {
    const auto* e = dynamic_cast<const Error*>(&error);
    if (e == nullptr) return true;
    return e->reason() != "md5_mismatch" && e->reason() != "blob_changed" &&
           e->code() != ErrorCode::kNotFound;
}

// How a download into a partial file stands, for its record: the engine reports the blob's
// ETag and size, then each growth of the completed prefix (one call at a time).
struct PartialProgress {
    static constexpr std::chrono::seconds kSaveEvery{1};
    PartialRecord record;
    bool known = false;    // the ETag is known (a record may be written)
    bool written = false;  // a record was saved (to remove once the file is whole)
    fs::path record_path;
    std::chrono::steady_clock::time_point saved = std::chrono::steady_clock::now();

    // Saves the record now and then while the download runs, so that even a process killed
    // outright (a second Ctrl-C, SIGKILL) leaves a partial file it can resume: a record never
    // claims more than is written, only less.
    void Advanced(std::uint64_t prefix) {
        record.prefix = prefix;
        const auto now = std::chrono::steady_clock::now();
        if (!known || now - saved < kSaveEvery) return;
        saved = now;
        try {
            WritePartialRecord(record_path, record);
            written = true;
        } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): saved again later
        }
    }
};

// Downloads into a partial file next to `target`, renamed over it once complete and checked. A
// download that fails or is interrupted keeps the partial file when it holds a prefix of the
// blob, with a record of the blob, its ETag and the prefix, which `--resume` continues (pinned
// to that ETag, and checked whole by MD5 as usual). Without `--resume` any partial file is
// replaced.
void GetOne(BlobSession& s, const std::string& container, const std::string& name,
            const fs::path& target) {
    if (s.stopped()) return;
    const fs::path partial = PartialPathFor(target);
    const fs::path record_path = RecordPathFor(partial);
    const std::string url = UrlWithoutQuery(s.client().BlobUrlOf(container, name));
    std::optional<PartialRecord> resume;
    if (s.args().resume) resume = ResumableRecord(s, name, partial, url);
    for (;;) {
        std::error_code ignored;
        PartialProgress progress;
        progress.record_path = record_path;
        progress.record.url = url;
        azure::DownloadOptions download;
        if (resume) {
            progress.record = *resume;
            progress.known = true;
            download.offset = resume->prefix;
            download.if_match = resume->etag;
        } else {
            // Before the partial file is emptied: a record must never claim bytes it lost.
            fs::remove(record_path, ignored);
        }
        download.on_properties = [&progress](const azure::BlobProperties& properties) {
            progress.record.etag = properties.etag;
            progress.record.size = properties.content_length;
            progress.known = !properties.etag.empty();
        };
        download.on_prefix = [&progress](std::uint64_t prefix) { progress.Advanced(prefix); };
        try {
            TransferResult r;
            {
                azure::FileSink sink(partial, resume.has_value());
                r = s.transfer().Download(s.client(), container, name, sink, download);
            }
            fs::rename(partial, target);
            if (resume || progress.written) fs::remove(record_path, ignored);
            s.bar().AddItem();
            boost::json::object o = ResultJson(name, r);
            if (resume) {
                o["size"] = resume->prefix + r.size;  // the blob's, as a whole download says
                o["resumed_from"] = resume->prefix;
            }
            s.Emit(o, "");
            return;
        } catch (const std::exception& e) {
            const auto* error = dynamic_cast<const Error*>(&e);
            if (resume && error != nullptr && error->reason() == "blob_changed") {
                s.Note(name, "the blob changed since the partial download; downloading afresh");
                resume.reset();
                if (!s.stopped()) continue;
            }
            const PartialRecord& record = progress.record;
            if (progress.known && record.prefix > 0 && KeepAfter(e)) {
                try {
                    WritePartialRecord(record_path, record);
                    const std::string kept = "kept " + FormatBytes(record.prefix) + " of " +
                                             FormatBytes(record.size) + " in " + partial.string() +
                                             "; get --resume continues";
                    if (s.stopped()) {
                        s.Note(name, "interrupted; " + kept);
                    } else {
                        s.Fail(name, e, kept);
                    }
                    return;
                } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): not kept
                }
            }
            fs::remove(record_path, ignored);
            fs::remove(partial, ignored);
            s.Fail(name, e);
            return;
        }
    }
}

// Writes a blob to stdout, in order, with bounded memory.
int GetToStdout(BlobSession& s, const RemotePath& remote) {
    class StdoutSink final : public azure::DownloadSink {
     public:
        void WriteAt(std::uint64_t /*offset*/, std::string_view bytes) override {
            if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size()) {
                throw Error(ErrorCode::kInternal, "cannot write to stdout", "local_file");
            }
        }
        void Finish(std::uint64_t /*end*/) override { std::fflush(stdout); }
    };
    StdoutSink sink;
    try {
        s.transfer().Download(s.client(), remote.container, remote.path, sink);
    } catch (const std::exception& e) {
        s.Fail(remote.path, e);
        if (s.stopped()) s.Note(remote.path, "interrupted");
    }
    s.bar().Stop();
    return s.ExitStatus();
}

int Get(BlobSession& s) {
    Need(s.args(), 2, "az://CONTAINER/NAME LOCAL");
    const RemotePath remote = RemoteWithContainer(s.args().operands[0]);
    const std::string local_text = s.args().operands[1];
    const fs::path local = local_text;
    std::error_code ec;
    if (!s.args().recursive) {
        if (remote.path.empty() || remote.path.back() == '/') {
            throw Usage("get needs a blob name (use --recursive for a prefix)");
        }
        if (local_text == "-") {
            if (s.args().resume) throw Usage("--resume needs a local file, not stdout");
            return GetToStdout(s, remote);
        }
        fs::path target = local;
        if (fs::is_directory(local, ec) || local_text.back() == '/') {
            target = local / BaseName(remote.path);
        }
        if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
        GetOne(s, remote.container, remote.path, target);
        s.Summary("downloaded", "file");
        return s.ExitStatus();
    }

    std::string prefix = remote.path;
    if (!prefix.empty() && prefix.back() != '/') prefix += '/';
    fs::create_directories(local, ec);
    if (ec) throw Error(ErrorCode::kInvalidArgument, local.string() + ": " + ec.message());
    struct Item {
        std::string name;
        fs::path target;
        std::uint64_t size;
    };
    std::vector<Item> large;
    {
        azure::TaskGroup group(s.pool(), s.pool().size() * 2);
        azure::ListBlobsOptions options;
        options.prefix = prefix;
        do {
            const azure::BlobListPage page =
                s.client().ListBlobs(remote.container, options, s.call());
            for (const auto& b : page.blobs) {
                if (s.stopped()) break;
                const std::string relative = SafeRelativePath(b.name.substr(prefix.size()));
                if (relative.empty()) {
                    s.Fail(b.name, Error(ErrorCode::kInvalidArgument,
                                         "the name cannot be a local path; skipped"));
                    continue;
                }
                const auto size = static_cast<std::uint64_t>(b.size);
                Item item{b.name, local / relative, size};
                std::uint64_t left = size;
                if (s.args().resume) {  // about: the blob may have changed since
                    const auto record =
                        ReadPartialRecord(RecordPathFor(PartialPathFor(item.target)));
                    if (record && record->prefix <= size) left -= record->prefix;
                }
                s.bar().AddTotal(left);
                fs::create_directories(item.target.parent_path(), ec);
                if (size > s.options().single_shot_threshold) {
                    large.push_back(std::move(item));
                    continue;
                }
                group.Submit([&s, &remote, item = std::move(item)] {
                    GetOne(s, remote.container, item.name, item.target);
                });
            }
            options.marker = page.next_marker;
        } while (!options.marker.empty() && !s.stopped());
        group.Wait();
    }
    for (const Item& item : large) GetOne(s, remote.container, item.name, item.target);
    s.Summary("downloaded", "file");
    return s.ExitStatus();
}

// --- rm -----------------------------------------------------------------------------------------

int Remove(BlobSession& s) {
    Need(s.args(), 1, "az://CONTAINER/NAME");
    const RemotePath remote = RemoteWithContainer(s.args().operands[0]);
    auto remove = [&s, &remote](const std::string& name) {
        try {
            s.client().DeleteBlob(remote.container, name, s.call());
            s.bar().AddItem();
            boost::json::object o;
            o["name"] = name;
            s.Emit(o, "");
        } catch (const std::exception& e) {
            s.Fail(name, e);
        }
    };
    if (!s.args().recursive) {
        if (remote.path.empty()) throw Usage("rm needs a blob name (use --recursive for a prefix)");
        remove(remote.path);
        s.Summary("removed", "blob");
        return s.ExitStatus();
    }
    azure::ListBlobsOptions options;
    options.prefix = remote.path;
    // Listed page by page but deleted only after the listing ended, so that deleting does not
    // disturb the markers.
    std::vector<std::string> names;
    do {
        const azure::BlobListPage page = s.client().ListBlobs(remote.container, options, s.call());
        for (const auto& b : page.blobs) names.push_back(b.name);
        options.marker = page.next_marker;
    } while (!options.marker.empty());
    {
        azure::TaskGroup group(s.pool(), s.pool().size() * 2);
        for (const std::string& name : names) {
            if (s.stopped()) break;
            group.Submit([&remove, &name] { remove(name); });
        }
        group.Wait();
    }
    s.Summary("removed", "blob");
    return s.ExitStatus();
}

// --- cp -----------------------------------------------------------------------------------------

int Copy(BlobSession& s) {
    Need(s.args(), 2, "az://C1/N1 az://C2/N2 [--dest-connection-string CS]");
    if (!IsRemotePath(s.args().operands[0]) || !IsRemotePath(s.args().operands[1])) {
        throw Usage("cp copies between remote paths (use put or get for local files)");
    }
    const RemotePath from = RemoteWithContainer(s.args().operands[0]);
    const RemotePath to = RemoteWithContainer(s.args().operands[1]);
    if (from.path.empty() || from.path.back() == '/') throw Usage("cp needs a source blob name");
    std::string name = to.path;
    if (name.empty() || name.back() == '/') name += BaseName(from.path);
    std::optional<BlobClient> other;
    if (!s.args().dest_connection_string.empty()) {
        other.emplace(BlobClient::FromConnectionString(s.args().dest_connection_string,
                                                       BlobSession::ClientOptionsFor(s.args())));
    }
    const BlobClient& destination = other ? *other : s.client();
    try {
        const TransferResult r = s.transfer().Copy(s.client(), from.container, from.path,
                                                   destination, to.container, name);
        s.bar().AddItem();
        boost::json::object o = ResultJson(name, r);
        o["method"] = r.copy_method;
        s.Emit(o, "");
    } catch (const std::exception& e) {
        s.Fail(from.path, e);
    }
    s.Summary("copied", "blob");
    return s.ExitStatus();
}

}  // namespace

ChecksumChoice ParseChecksum(std::string_view mode, bool no_checksum, std::string_view verb) {
    if (no_checksum) return {false, false};
    if (mode.empty() || mode == "auto") {
        if (verb == "put") return {true, false};
        if (verb == "get") return {false, true};
        return {true, true};
    }
    if (mode == "block") return {true, false};
    if (mode == "whole") return {false, true};
    if (mode == "both") return {true, true};
    if (mode == "none") return {false, false};
    throw Usage("--checksum takes auto, block, whole, both or none, not '" + std::string(mode) +
                "'");
}

int RunBlob(const BlobArgs& args, const Environment& environment,
            const InterruptHandler* interrupt) {
    std::string connection_string = args.connection_string;
    if (connection_string.empty()) {
        connection_string = environment.Get(kEnvironmentVariable).value_or("");
    }
    if (connection_string.empty()) {
        std::cerr << "cerulean blob " << args.verb
                  << ": no account: give --connection-string or set " << kEnvironmentVariable
                  << "\n";
        return 2;
    }
    // A call stopped by a signal ends the verb with the signal's status, not as a failure.
    const auto interrupted = [&] {
        if (interrupt == nullptr || interrupt->signal() == 0) return false;
        std::cerr << "cerulean blob " << args.verb << ": interrupted\n";
        return true;
    };
    try {
        BlobSession session(args, connection_string, interrupt);
        const std::string& verb = args.verb;
        if (verb == "ls") return List(session);
        if (verb == "mb") return MakeContainer(session);
        if (verb == "rb") return RemoveContainer(session);
        if (verb == "put") return Put(session);
        if (verb == "get") return Get(session);
        if (verb == "rm") return Remove(session);
        if (verb == "cp") return Copy(session);
        if (verb == "sync") return RunSync(session);
        throw Usage("unknown verb '" + verb + "'");
    } catch (const azure::StorageError& e) {
        if (interrupted()) return interrupt->exit_status();
        std::cerr << "cerulean blob " << args.verb << ": " << e.what() << "\n";
        return 1;
    } catch (const Error& e) {
        if (interrupted()) return interrupt->exit_status();
        std::cerr << "cerulean blob " << args.verb << ": " << e.what() << "\n";
        return e.code() == ErrorCode::kInvalidArgument || e.code() == ErrorCode::kConfiguration ? 2
                                                                                                : 1;
    } catch (const std::exception& e) {
        if (interrupted()) return interrupt->exit_status();
        std::cerr << "cerulean blob " << args.verb << ": " << e.what() << "\n";
        return 1;
    }
}

BlobCommand::BlobCommand(CLI::App& blob) : app_(blob) {
    blob.require_subcommand(1);
    struct Verb {
        const char* name;
        const char* help;
        const char* operands;
    };
    static const Verb kVerbs[] = {
        {"ls", "List containers, or the blobs under az://CONTAINER[/PREFIX]", "[az://C[/PREFIX]]"},
        {"mb", "Make a container", "az://CONTAINER"},
        {"rb", "Remove a container (refuses a non-empty one unless --force)", "az://CONTAINER"},
        {"put", "Upload a file (a folder with --recursive)", "LOCAL az://C/NAME"},
        {"get", "Download a blob (a prefix with --recursive; LOCAL '-' is stdout)",
         "az://C/NAME LOCAL"},
        {"rm", "Delete a blob (every blob starting with NAME with --recursive)", "az://C/NAME"},
        {"cp", "Copy a blob, server-side where possible", "az://C1/N1 az://C2/N2"},
        {"sync", "Make DST like SRC (a local folder or az://C[/PREFIX]; both az:// copies)",
         "SRC DST"},
    };
    for (const Verb& verb : kVerbs) {
        CLI::App* sub = blob.add_subcommand(verb.name, verb.help);
        const std::string name = verb.name;
        sub->callback([this, name] { args_.verb = name; });
        sub->add_option("operands", args_.operands, verb.operands);
        sub->add_option("--connection-string", args_.connection_string,
                        "Account connection string (default: $AZURE_STORAGE_CONNECTION_STRING)");
        sub->add_option("--concurrency", args_.concurrency, "Requests in flight (default: auto)")
            ->check(CLI::Range(1, 256));
        sub->add_option("--block-size", args_.block_size, "Block size, e.g. 8MiB, 8M or bytes");
        sub->add_flag("--json", args_.json, "Print JSON Lines");
        sub->add_flag("--no-checksum", args_.no_checksum,
                      "Skip MD5 (no transactional or whole-blob MD5, no check on download)");
        sub->add_option("--checksum", args_.checksum,
                        "MD5s to use: block (a transactional MD5 with every request, checked by "
                        "the service), whole (the blob's MD5, stored on upload and checked on "
                        "download), both, none; default auto: block for put (and the blob's MD5 "
                        "when one request carries it), whole for get, both for cp and sync");
        if (name == "ls" || name == "put" || name == "get" || name == "rm") {
            sub->add_flag("-r,--recursive", args_.recursive, "Recurse into folders / prefixes");
        }
        if (name == "get") {
            sub->add_flag("--resume", args_.resume,
                          "Continue a download that failed or was interrupted from the partial "
                          "file it kept, when the blob has not changed since (else start afresh)");
        }
        if (name == "rb") sub->add_flag("--force", args_.force, "Remove even when not empty");
        if (name == "cp" || name == "sync") {
            sub->add_option("--dest-connection-string", args_.dest_connection_string,
                            "Connection string of the destination account");
        }
        if (name == "sync") AddSyncOptions(*sub, args_);
    }
}

bool BlobCommand::parsed() const {
    return app_.parsed();
}

int BlobCommand::Run(const Environment& environment, const InterruptHandler* interrupt) const {
    return RunBlob(args_, environment, interrupt);
}

}  // namespace cerulean::cli
