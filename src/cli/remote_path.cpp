#include "cli/remote_path.hpp"

#include "core/error.hpp"

namespace cerulean::cli {

namespace {
constexpr std::string_view kScheme = "az://";
}  // namespace

bool IsRemotePath(std::string_view text) {
    return text.substr(0, kScheme.size()) == kScheme;
}

bool IsValidContainerName(std::string_view name) {
    if (name == "$root" || name == "$logs" || name == "$web") return true;
    if (name.size() < 3 || name.size() > 63) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (alnum) continue;
        if (c != '-' || i == 0 || i + 1 == name.size() || name[i - 1] == '-') return false;
    }
    return true;
}

RemotePath ParseRemotePath(std::string_view text) {
    if (!IsRemotePath(text)) {
        throw core::Error(core::ErrorCode::kInvalidArgument,
                          "'" + std::string(text) + "' is not a remote path (az://CONTAINER/PATH)",
                          "invalid_remote_path");
    }
    std::string_view rest = text.substr(kScheme.size());
    RemotePath remote;
    const std::size_t slash = rest.find('/');
    remote.container = std::string(rest.substr(0, slash));
    if (slash != std::string_view::npos) remote.path = std::string(rest.substr(slash + 1));
    if (!remote.container.empty() && !IsValidContainerName(remote.container)) {
        throw core::Error(core::ErrorCode::kInvalidArgument,
                          "'" + remote.container + "' is not a valid container name",
                          "invalid_remote_path");
    }
    return remote;
}

}  // namespace cerulean::cli
