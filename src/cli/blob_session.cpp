#include "cli/blob_session.hpp"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <utility>

#include "cli/interrupt.hpp"
#include "cli/size_parser.hpp"

namespace cerulean::cli {

core::Error Usage(const std::string& message) {
    return {core::ErrorCode::kInvalidArgument, message, "usage"};
}

void Need(const BlobArgs& args, std::size_t count, std::string_view usage) {
    if (args.operands.size() != count) {
        throw Usage("usage: cerulean blob " + args.verb + " " + std::string(usage));
    }
}

RemotePath RemoteWithContainer(std::string_view text) {
    RemotePath remote = ParseRemotePath(text);
    if (remote.container.empty()) throw Usage("'" + std::string(text) + "' names no container");
    return remote;
}

BlobSession::BlobSession(const BlobArgs& args, const std::string& connection_string,
                         const InterruptHandler* interrupt)
    : args_(args),
      interrupt_(interrupt),
      client_(azure::BlobClient::FromConnectionString(connection_string, ClientOptionsFor(args))),
      bar_(::isatty(STDERR_FILENO) == 1) {
    // Every call of a transfer stops (between tries, or mid-stream) on a signal.
    if (interrupt_ != nullptr) call_.stop = interrupt_->token();
    options_.call = call_;
    if (!args.block_size.empty()) {
        // A blob that fits in one block goes up in one request.
        options_.block_size = ParseSize(args.block_size);
        options_.single_shot_threshold = options_.block_size;
    }
    options_.concurrency = args.concurrency;
    const ChecksumChoice checksum = ParseChecksum(args.checksum, args.no_checksum, args.verb);
    options_.transactional_md5 = checksum.block;
    options_.compute_md5 = checksum.whole;
    options_.on_progress = [this](std::uint64_t bytes) { bar_.AddBytes(bytes); };
    pool_ = std::make_unique<azure::TransferPool>(args.concurrency == 0 ? azure::AutoConcurrency()
                                                                        : args.concurrency);
    transfer_.emplace(*pool_, options_);
}

azure::ClientOptions BlobSession::ClientOptionsFor(const BlobArgs& args) {
    azure::ClientOptions options;
    const std::size_t connections = args.concurrency == 0 ? 64 : args.concurrency * 2;
    options.transport_options.max_idle_connections = std::max<std::size_t>(connections, 16);
    // A command-line transfer should ride out a busy or flaky service, as AzCopy (20
    // tries) and rclone (10 low-level retries) do: backoff doubles to a 30 s cap.
    options.pipeline.retry.max_retries = 10;
    return options;
}

void BlobSession::Emit(const boost::json::object& json, const std::string& plain) {
    const std::lock_guard lock(output_);
    if (args_.json) {
        std::cout << boost::json::serialize(json) << '\n';
    } else if (!plain.empty()) {
        std::cout << plain << '\n';
    }
}

// Calls stopped by a signal fail by the dozen: their lines would drown the summary, which
// says it.
void BlobSession::Fail(std::string_view item, const std::exception& error, std::string_view note) {
    failures_.fetch_add(1);
    const auto* e = dynamic_cast<const core::Error*>(&error);
    if (stopped() && e != nullptr && e->reason() == "cancelled" && note.empty()) return;
    Note(item, std::string(error.what()) + (note.empty() ? "" : " (" + std::string(note) + ")"));
}

void BlobSession::Note(std::string_view item, std::string_view text) {
    const std::lock_guard lock(output_);
    std::cout.flush();
    if (::isatty(STDERR_FILENO) == 1) std::cerr << "\r\x1b[2K";
    std::cerr << "cerulean blob " << args_.verb << ": ";
    if (!item.empty()) std::cerr << item << ": ";
    std::cerr << text << '\n';
}

// When items failed, their lines are the news: a run that moved nothing prints no
// success-style "0 files" line after them, and one that moved some says how many failed.
void BlobSession::Summary(std::string_view verb, std::string_view noun) {
    bar_.Stop();
    std::cout.flush();
    const int failed = failures();
    if (failed > 0 && bar_.items() == 0 && !stopped()) return;
    std::cerr << (stopped() ? "interrupted: " : "")
              << FormatSummary(verb, bar_.items(), noun, bar_.bytes(), bar_.elapsed());
    if (failed > 0) std::cerr << "; " << failed << " failed";
    std::cerr << '\n';
}

int BlobSession::ExitStatus() const {
    if (stopped()) return InterruptedStatus();
    return failures() == 0 ? 0 : 1;
}

int BlobSession::InterruptedStatus() const {
    return interrupt_ != nullptr ? interrupt_->exit_status() : 130;
}

}  // namespace cerulean::cli
