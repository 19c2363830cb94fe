#pragma once

#include <string_view>

namespace cerulean::azure {

/// The one Blob service version Cerulean speaks: sent as `x-ms-version` on every request and
/// signed as `sv` in every SAS it generates. 2025-01-05 is a current GA version that Azurite 3.35
/// accepts (it knows versions up to 2025-11-05) and whose SAS string-to-sign layouts are those of
/// 2020-12-06 and later, the ones Azure's Python SDK in Debian signs (it pins 2021-12-02).
inline constexpr std::string_view kServiceVersion = "2025-01-05";

}  // namespace cerulean::azure
