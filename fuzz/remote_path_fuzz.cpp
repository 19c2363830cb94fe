// Command-line arguments of `cerulean blob` and `cerulean sync`: remote locations
// (`az://CONTAINER/PATH`: ParseRemotePath, IsValidContainerName) and sizes (ParseSize).
//
// Invariants: only core::Error (kInvalidArgument) escapes; a parsed location writes back to the
// text it came from; its container is empty or valid (3-63 lower-case letters, digits and single
// inner hyphens, or $root, $logs, $web); a size is at least 1 and at most 10^18.

#include "cli/remote_path.hpp"
#include "cli/size_parser.hpp"
#include "core/error.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace cerulean;

bool ValidContainer(std::string_view name) {
    if (name == "$root" || name == "$logs" || name == "$web") return true;
    if (name.size() < 3 || name.size() > 63) return false;
    if (name.front() == '-' || name.back() == '-' || name.find("--") != std::string_view::npos) {
        return false;
    }
    return name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") ==
           std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::AsText(data, size);
    FUZZ_CHECK(cli::IsValidContainerName(text) == ValidContainer(text), std::string(text));
    try {
        const cli::RemotePath remote = cli::ParseRemotePath(text);
        FUZZ_CHECK(cli::IsRemotePath(text), std::string(text));
        FUZZ_CHECK(remote.container.empty() || ValidContainer(remote.container), remote.container);
        FUZZ_CHECK(remote.container.find('/') == std::string::npos, remote.container);
        const bool slash = text.size() > 5 + remote.container.size();
        const std::string again =
            "az://" + remote.container + (slash ? "/" + remote.path : std::string());
        FUZZ_CHECK(again == text, again);
    } catch (const core::Error& e) {
        FUZZ_CHECK(e.code() == core::ErrorCode::kInvalidArgument, e.what());
    }
    try {
        const std::uint64_t bytes = cli::ParseSize(text);
        FUZZ_CHECK(bytes >= 1 && bytes <= 1'000'000'000'000'000'000ULL, std::string(text));
    } catch (const core::Error& e) {
        FUZZ_CHECK(e.code() == core::ErrorCode::kInvalidArgument, e.what());
    }
    return 0;
}
