#include "api/multipart_parser.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <vector>

#include "core/error.hpp"

namespace cerulean::api {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::size_t kMaxBoundary = 70;
// Whitespace RFC 2046 allows after a boundary, before its CRLF ("transport padding").
constexpr std::size_t kMaxPadding = 256;

core::Error Malformed(const std::string& message) {
    return core::Error(core::ErrorCode::kInvalidArgument,
                       "the multipart/form-data body is malformed: " + message,
                       "malformed_multipart");
}

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string Lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool IsValidUtf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t extra = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        }
        if ((c & 0xE0U) == 0xC0U) {
            extra = 1;
            cp = c & 0x1FU;
        } else if ((c & 0xF0U) == 0xE0U) {
            extra = 2;
            cp = c & 0x0FU;
        } else if ((c & 0xF8U) == 0xF0U) {
            extra = 3;
            cp = c & 0x07U;
        } else {
            return false;
        }
        if (i + extra >= s.size()) return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xC0U) != 0x80U) return false;
            cp = (cp << 6U) | (d & 0x3FU);
        }
        // Overlong forms, surrogates and code points past U+10FFFF.
        if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
            (extra == 3 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        i += extra + 1;
    }
    return true;
}

// A quoted parameter as the HTML standard has browsers write it: no backslash escapes, and
// only '"', CR and LF percent-encoded (any other '%' is the character itself).
std::string DecodeHtmlQuoted(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '%' && i + 2 < raw.size()) {
            const std::string escape = Lower(raw.substr(i, 3));
            if (escape == "%22" || escape == "%0d" || escape == "%0a") {
                out += static_cast<char>(HexValue(raw[i + 1]) * 16 + HexValue(raw[i + 2]));
                i += 2;
                continue;
            }
        }
        out += raw[i];
    }
    return out;
}

// An RFC 5987 ext-value: charset'language'percent-encoded.
std::string DecodeExtValue(std::string_view value) {
    const auto first = value.find('\'');
    const auto second =
        first == std::string_view::npos ? std::string_view::npos : value.find('\'', first + 1);
    if (second == std::string_view::npos) throw Malformed("filename* is not charset'lang'value");
    const std::string charset = Lower(value.substr(0, first));
    const std::string_view encoded = value.substr(second + 1);
    std::string bytes;
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        if (encoded[i] != '%') {
            bytes += encoded[i];
            continue;
        }
        if (i + 2 >= encoded.size() || HexValue(encoded[i + 1]) < 0 ||
            HexValue(encoded[i + 2]) < 0) {
            throw Malformed("filename* has a bad percent escape");
        }
        bytes += static_cast<char>(HexValue(encoded[i + 1]) * 16 + HexValue(encoded[i + 2]));
        i += 2;
    }
    if (charset == "utf-8") return bytes;
    if (charset == "iso-8859-1") {
        std::string utf8;
        for (const char ch : bytes) {
            const auto c = static_cast<unsigned char>(ch);
            if (c < 0x80) {
                utf8 += ch;
            } else {
                utf8 += static_cast<char>(0xC0U | (c >> 6U));
                utf8 += static_cast<char>(0x80U | (c & 0x3FU));
            }
        }
        return utf8;
    }
    throw Malformed("filename* must be UTF-8 or ISO-8859-1");
}

struct Parameter {
    std::string key;  // lower case
    std::string value;
    bool quoted = false;
};

// `type; key=value; key="value"` into the type (lower case) and its parameters.
std::string SplitParameters(std::string_view header, std::vector<Parameter>& parameters) {
    const auto semicolon = header.find(';');
    std::string type = Lower(Trim(header.substr(0, semicolon)));
    std::size_t i = semicolon == std::string_view::npos ? header.size() : semicolon + 1;
    while (i < header.size()) {
        while (i < header.size() && (header[i] == ' ' || header[i] == '\t' || header[i] == ';')) {
            ++i;
        }
        if (i >= header.size()) break;
        const auto equals = header.find('=', i);
        if (equals == std::string_view::npos) throw Malformed("a parameter has no value");
        Parameter parameter;
        parameter.key = Lower(Trim(header.substr(i, equals - i)));
        i = equals + 1;
        while (i < header.size() && (header[i] == ' ' || header[i] == '\t')) ++i;
        if (i < header.size() && header[i] == '"') {
            const auto close = header.find('"', i + 1);
            if (close == std::string_view::npos) throw Malformed("a quoted value is not closed");
            parameter.value = std::string(header.substr(i + 1, close - i - 1));
            parameter.quoted = true;
            i = close + 1;
            while (i < header.size() && (header[i] == ' ' || header[i] == '\t')) ++i;
            if (i < header.size() && header[i] != ';') {
                throw Malformed("text follows a quoted value");
            }
        } else {
            const auto end = header.find(';', i);
            parameter.value = std::string(Trim(header.substr(i, end - i)));
            i = end == std::string_view::npos ? header.size() : end;
        }
        if (parameter.key.empty()) throw Malformed("a parameter has no name");
        parameters.push_back(std::move(parameter));
    }
    return type;
}

}  // namespace

MultipartParser::MultipartParser(std::string_view boundary)
    : delimiter_("\r\n--" + std::string(boundary)), buffer_(kCrlf) {
    // The buffer starts with a CRLF so that a boundary on the body's first line is found like
    // every later one.
}

std::string_view MultipartParser::Pending() const {
    return std::string_view(buffer_).substr(position_);
}

void MultipartParser::Feed(std::string_view bytes) {
    buffer_.erase(0, position_);
    position_ = 0;
    buffer_.append(bytes);
}

void MultipartParser::FinishInput() {
    finished_ = true;
}

MultipartStep MultipartParser::NeedMore() {
    if (finished_) throw Malformed("the body ends before the closing boundary");
    return {};
}

MultipartStep MultipartParser::Next() {
    for (;;) {
        const std::string_view pending = Pending();
        switch (state_) {
            case State::kPreamble: {
                const auto at = pending.find(delimiter_);
                if (at == std::string_view::npos) {
                    const std::size_t keep = std::min(pending.size(), delimiter_.size() - 1);
                    position_ += pending.size() - keep;
                    return NeedMore();
                }
                position_ += at + delimiter_.size();
                state_ = State::kAfterBoundary;
                continue;
            }
            case State::kAfterBoundary: {
                if (pending.size() < 2) return NeedMore();
                if (pending.starts_with("--")) {
                    position_ += 2;
                    state_ = State::kDone;
                    continue;
                }
                std::size_t i = 0;
                while (i < pending.size() && (pending[i] == ' ' || pending[i] == '\t')) ++i;
                if (i > kMaxPadding) throw Malformed("a boundary line is too long");
                if (i + 2 > pending.size()) return NeedMore();
                if (pending.substr(i, 2) != kCrlf) {
                    throw Malformed("a boundary is not followed by a line break");
                }
                position_ += i + 2;
                state_ = State::kHeaders;
                continue;
            }
            case State::kHeaders: {
                if (pending.size() < 2) return NeedMore();
                std::size_t end = 0;
                std::size_t skip = 2;
                if (!pending.starts_with(kCrlf)) {
                    end = pending.find("\r\n\r\n");
                    if (end == std::string_view::npos) {
                        if (pending.size() > kMaxHeaderBytes) {
                            throw Malformed("a part's headers are too large");
                        }
                        return NeedMore();
                    }
                    if (end > kMaxHeaderBytes) throw Malformed("a part's headers are too large");
                    skip = 4;
                }
                MultipartStep step;
                step.kind = MultipartStep::Kind::kPart;
                step.part = ParsePartHeaders(pending.substr(0, end));
                position_ += end + skip;
                state_ = State::kBody;
                return step;
            }
            case State::kBody: {
                const auto at = pending.find(delimiter_);
                if (at == 0) {
                    position_ += delimiter_.size();
                    state_ = State::kAfterBoundary;
                    return {MultipartStep::Kind::kPartEnd, {}, {}};
                }
                std::size_t safe = at;
                if (at == std::string_view::npos) {
                    // Bytes that could be the start of a delimiter split between two reads wait
                    // for the next; the rest is data.
                    safe = pending.size();
                    const std::size_t from =
                        pending.size() - std::min(pending.size(), delimiter_.size() - 1);
                    for (std::size_t i = from; i < pending.size(); ++i) {
                        if (std::string_view(delimiter_).starts_with(pending.substr(i))) {
                            safe = i;
                            break;
                        }
                    }
                }
                if (safe == 0) return NeedMore();
                position_ += safe;
                return {MultipartStep::Kind::kData, {}, pending.substr(0, safe)};
            }
            case State::kDone:
                return {MultipartStep::Kind::kDone, {}, {}};
        }
    }
}

std::optional<std::string> FormDataBoundary(std::string_view content_type) {
    std::vector<Parameter> parameters;
    std::string type;
    try {
        type = SplitParameters(content_type, parameters);
    } catch (const core::Error&) {
        if (Lower(Trim(content_type.substr(0, content_type.find(';')))) != "multipart/form-data") {
            return std::nullopt;
        }
        throw;
    }
    if (type != "multipart/form-data") return std::nullopt;
    for (const auto& parameter : parameters) {
        if (parameter.key != "boundary") continue;
        const std::string& boundary = parameter.value;
        if (boundary.empty() || boundary.size() > kMaxBoundary || boundary.back() == ' ') {
            throw Malformed("the boundary must be 1 to 70 characters");
        }
        return boundary;
    }
    throw Malformed("the Content-Type has no boundary");
}

PartHeaders ParsePartHeaders(std::string_view block) {
    // Header lines, with obsolete folded continuations joined to the line they continue.
    std::vector<std::pair<std::string, std::string>> fields;
    while (!block.empty()) {
        const auto end = block.find(kCrlf);
        const std::string_view line = block.substr(0, end);
        block = end == std::string_view::npos ? std::string_view() : block.substr(end + 2);
        if (line.empty()) continue;
        if ((line.front() == ' ' || line.front() == '\t') && !fields.empty()) {
            fields.back().second += ' ';
            fields.back().second += Trim(line);
            continue;
        }
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            throw Malformed("a part header has no name");
        }
        fields.emplace_back(Lower(Trim(line.substr(0, colon))),
                            std::string(Trim(line.substr(colon + 1))));
    }

    PartHeaders part;
    bool has_disposition = false;
    for (const auto& [field, value] : fields) {
        if (field == "content-type") {
            part.content_type = value;
        } else if (field == "content-disposition") {
            std::vector<Parameter> parameters;
            if (SplitParameters(value, parameters) != "form-data") {
                throw Malformed("a part's Content-Disposition is not form-data");
            }
            has_disposition = true;
            bool has_name = false;
            std::optional<std::string> plain;
            std::optional<std::string> extended;
            for (const auto& parameter : parameters) {
                const std::string decoded =
                    parameter.quoted ? DecodeHtmlQuoted(parameter.value) : parameter.value;
                if (parameter.key == "name") {
                    part.name = decoded;
                    has_name = true;
                } else if (parameter.key == "filename") {
                    plain = decoded;
                } else if (parameter.key == "filename*") {
                    extended = DecodeExtValue(parameter.value);
                }
            }
            if (!has_name) throw Malformed("a part's Content-Disposition has no name");
            part.filename = extended ? extended : plain;
        }
    }
    if (!has_disposition) throw Malformed("a part has no Content-Disposition");
    if (part.filename && !IsValidUtf8(*part.filename)) {
        throw Malformed("a filename is not valid UTF-8");
    }
    return part;
}

}  // namespace cerulean::api
