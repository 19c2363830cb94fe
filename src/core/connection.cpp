#include "core/connection.hpp"

#include <array>
#include <utility>

namespace cerulean::core {
namespace {

constexpr std::array<std::pair<AuthType, std::string_view>, 6> kNames{{
    {AuthType::kConnectionString, "connection_string"},
    {AuthType::kAccountKey, "account_key"},
    {AuthType::kSasToken, "sas_token"},
    {AuthType::kServicePrincipal, "service_principal"},
    {AuthType::kUserMsIdentity, "user_ms_identity"},
    {AuthType::kAnonymous, "anonymous"},
}};

}  // namespace

std::string_view ToString(AuthType type) noexcept {
    for (const auto& [value, name] : kNames) {
        if (value == type) return name;
    }
    return "anonymous";
}

std::optional<AuthType> ParseAuthType(std::string_view name) noexcept {
    for (const auto& [value, text] : kNames) {
        if (text == name) return value;
    }
    return std::nullopt;
}

}  // namespace cerulean::core
