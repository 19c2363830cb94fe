#include "azure/shared_key.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "azure/url.hpp"
#include "core/error.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"

namespace cerulean::azure {
namespace {

// --- Header ordering ---------------------------------------------------------------------------
//
// The service builds its own string-to-sign with .NET's culture-aware string comparison, so a
// byte sort of header names (or a plain std::sort) gets a 403 on metadata names such as
// foo_bar / foo2_bar. Culture-aware collation compares in levels:
//   1. base characters: letters case-folded, '-' and '\'' ignored, the other characters in the
//      en-US order  ! # $ % & * . ^ _ ` | ~ +  0-9  a-z  (so '_' < digits < letters);
//   2. case: where an upper-case letter stands;
//   3. the characters level 1 ignored: at the first position where the names differ in them,
//      an ordinary character sorts before the end of a name, which sorts before '\'' and '-'.
// Characters that are not legal in header names carry no weight at any level.

constexpr std::string_view kPrimaryOrder = "!#$%&*.^_`|~+0123456789abcdefghijklmnopqrstuvwxyz";

// Weight 0 = ignored at that level; kEnd marks the end of a name and is below every weight.
constexpr std::uint16_t kEnd = 1;

struct Weights {
    std::uint16_t primary = 0;
    std::uint16_t case_weight = 0;
    std::uint16_t special = 0;
};

constexpr std::array<Weights, 256> MakeWeights() {
    std::array<Weights, 256> table{};
    for (std::size_t i = 0; i < kPrimaryOrder.size(); ++i) {
        const auto c = static_cast<unsigned char>(kPrimaryOrder[i]);
        table[c].primary = static_cast<std::uint16_t>(i + 2);
        if (c >= 'a' && c <= 'z') {
            table[c - 'a' + 'A'].primary = table[c].primary;
            table[c - 'a' + 'A'].case_weight = 2;
        }
    }
    table['\''].special = 2;
    table['-'].special = 3;
    // Bytes of non-ASCII text never reach a legal header name; give them a stable place.
    for (std::size_t c = 0x80; c < 0x100; ++c) {
        table[c].primary = static_cast<std::uint16_t>(0x100 + c);
    }
    return table;
}

constexpr std::array<Weights, 256> kWeights = MakeWeights();

const Weights& WeightsOf(char c) {
    return kWeights[static_cast<unsigned char>(c)];
}

// Levels 1 and 2: compare the sequences of non-zero weights.
template <std::uint16_t Weights::*Level>
int CompareFiltered(std::string_view a, std::string_view b) {
    std::size_t i = 0;
    std::size_t j = 0;
    while (true) {
        while (i < a.size() && WeightsOf(a[i]).*Level == 0) ++i;
        while (j < b.size() && WeightsOf(b[j]).*Level == 0) ++j;
        const std::uint16_t wa = i < a.size() ? WeightsOf(a[i]).*Level : kEnd;
        const std::uint16_t wb = j < b.size() ? WeightsOf(b[j]).*Level : kEnd;
        if (wa != wb) return wa < wb ? -1 : 1;
        if (wa == kEnd) return 0;
        ++i;
        ++j;
    }
}

// Level 3: compare position by position where the ignored characters stand.
int CompareSpecial(std::string_view a, std::string_view b) {
    const std::size_t n = std::max(a.size(), b.size());
    for (std::size_t k = 0; k < n; ++k) {
        const std::uint16_t wa = k < a.size() ? WeightsOf(a[k]).special : kEnd;
        const std::uint16_t wb = k < b.size() ? WeightsOf(b[k]).special : kEnd;
        if (wa != wb) return wa < wb ? -1 : 1;
    }
    return 0;
}

// --- String-to-sign ----------------------------------------------------------------------------

std::string ToLower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view Trim(std::string_view text) {
    constexpr std::string_view kSpace = " \t\r\n";
    const auto first = text.find_first_not_of(kSpace);
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(kSpace);
    return text.substr(first, last - first + 1);
}

// The value of a standard header, repeated headers comma-joined as HTTP folds them.
std::string StandardHeader(const HttpHeaders& headers, std::string_view name) {
    std::string value;
    bool found = false;
    for (const auto& header : headers) {
        if (!EqualsIgnoreCase(header.name, name)) continue;
        if (found) value.push_back(',');
        value += Trim(header.value);
        found = true;
    }
    return value;
}

void AppendCanonicalHeaders(const HttpHeaders& headers, std::string& out) {
    std::vector<std::pair<std::string, std::string>> canonical;
    for (const auto& header : headers) {
        std::string name = ToLower(Trim(header.name));
        if (name.rfind("x-ms-", 0) != 0) continue;
        const std::string_view value = Trim(header.value);
        const auto same = std::find_if(canonical.begin(), canonical.end(),
                                       [&](const auto& entry) { return entry.first == name; });
        if (same != canonical.end()) {
            same->second.push_back(',');
            same->second += value;
        } else {
            canonical.emplace_back(std::move(name), std::string(value));
        }
    }
    std::sort(canonical.begin(), canonical.end(),
              [](const auto& a, const auto& b) { return CanonicalHeaderLess(a.first, b.first); });
    for (const auto& [name, value] : canonical) {
        out += name;
        out.push_back(':');
        out += value;
        out.push_back('\n');
    }
}

void AppendCanonicalResource(std::string_view account_name, std::string_view url,
                             std::string& out) {
    const UrlParts parts = SplitUrl(url);
    out.push_back('/');
    out += account_name;
    out += parts.path;

    std::map<std::string, std::vector<std::string>> params;
    for (auto& param : ParseQuery(parts.query)) {
        params[ToLower(param.name)].push_back(std::move(param.value));
    }
    for (auto& [name, values] : params) {
        std::sort(values.begin(), values.end());
        out.push_back('\n');
        out += name;
        out.push_back(':');
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (i > 0) out.push_back(',');
            out += values[i];
        }
    }
}

}  // namespace

SharedKeyCredential::SharedKeyCredential(std::string account_name,
                                         std::string_view account_key_base64)
    : account_name_(std::move(account_name)) {
    if (account_name_.empty()) {
        throw core::Error(core::ErrorCode::kInvalidArgument, "account name is empty");
    }
    auto key = crypto::Base64Decode(account_key_base64);
    if (!key || key->empty()) {
        throw core::Error(core::ErrorCode::kInvalidArgument, "account key is not valid base64");
    }
    key_ = std::move(*key);
}

SharedKeyCredential::~SharedKeyCredential() {
    // Volatile writes, so that the compiler does not drop the wipe of a dying buffer.
    volatile char* bytes = key_.data();
    for (std::size_t i = 0; i < key_.size(); ++i) bytes[i] = 0;
}

std::string SharedKeyCredential::Sign(std::string_view string_to_sign) const {
    return crypto::Base64Encode(crypto::HmacSha256(key_, string_to_sign));
}

bool CanonicalHeaderLess(std::string_view a, std::string_view b) noexcept {
    if (const int c = CompareFiltered<&Weights::primary>(a, b); c != 0) return c < 0;
    if (const int c = CompareFiltered<&Weights::case_weight>(a, b); c != 0) return c < 0;
    if (const int c = CompareSpecial(a, b); c != 0) return c < 0;
    return a < b;
}

std::string SharedKeyStringToSign(std::string_view account_name, std::string_view method,
                                  std::string_view url, const HttpHeaders& headers) {
    static constexpr std::array<std::string_view, 11> kStandardHeaders = {"Content-Encoding",
                                                                          "Content-Language",
                                                                          "Content-Length",
                                                                          "Content-MD5",
                                                                          "Content-Type",
                                                                          "Date",
                                                                          "If-Modified-Since",
                                                                          "If-Match",
                                                                          "If-None-Match",
                                                                          "If-Unmodified-Since",
                                                                          "Range"};
    std::string out;
    out.reserve(512);
    for (const char c : method)
        out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    out.push_back('\n');
    for (const auto name : kStandardHeaders) {
        std::string value = StandardHeader(headers, name);
        // Since 2015-02-21 a zero Content-Length is signed as an empty line.
        if (name == "Content-Length" && value == "0") value.clear();
        out += value;
        out.push_back('\n');
    }
    AppendCanonicalHeaders(headers, out);
    AppendCanonicalResource(account_name, url, out);
    return out;
}

SharedKeySignature SignSharedKey(const SharedKeyCredential& credential, std::string_view method,
                                 std::string_view url, const HttpHeaders& headers) {
    SharedKeySignature signature;
    signature.string_to_sign =
        SharedKeyStringToSign(credential.account_name(), method, url, headers);
    signature.authorization =
        "SharedKey " + credential.account_name() + ":" + credential.Sign(signature.string_to_sign);
    return signature;
}

}  // namespace cerulean::azure
