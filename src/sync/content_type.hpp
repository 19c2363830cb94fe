#pragma once

#include <string>
#include <string_view>

namespace cerulean::sync {

/// A content type guessed from a file name's extension ("application/octet-stream" when
/// unknown), as Azure's tools do when uploading.
std::string GuessContentType(std::string_view file_name);

}  // namespace cerulean::sync
