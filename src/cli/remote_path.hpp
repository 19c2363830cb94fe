#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cerulean::cli {

/// A remote location `az://CONTAINER/PATH`: PATH is taken verbatim (no percent-decoding).
struct RemotePath {
    std::string container;  ///< the container name (may be empty: `az://` alone)
    std::string path;       ///< the blob name or prefix, possibly empty
};

/// Whether `text` names a remote location (starts with "az://").
bool IsRemotePath(std::string_view text);

/// Parses `az://CONTAINER[/PATH]`. Throws core::Error (kInvalidArgument) when `text` is not
/// remote or the container name is not a valid Azure container name (3-63 lower-case letters,
/// digits and single hyphens, starting and ending with a letter or digit; "$root", "$logs" and
/// "$web" are allowed).
RemotePath ParseRemotePath(std::string_view text);

/// Whether `name` is a valid container name (see ParseRemotePath).
bool IsValidContainerName(std::string_view name);

}  // namespace cerulean::cli
