#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cerulean::api {

/// The headers of one part of a multipart/form-data body.
struct PartHeaders {
    std::string name;                     ///< the form field's name (Content-Disposition `name`)
    std::optional<std::string> filename;  ///< `filename*` (RFC 5987) or `filename`, decoded
    std::string content_type;             ///< the part's Content-Type, empty when not given
};

/// One step of a MultipartParser.
struct MultipartStep {
    /// What the step is.
    enum class Kind {
        kNeedMore,  ///< feed more bytes (or FinishInput)
        kPart,      ///< a part begins: `part` holds its headers
        kData,      ///< bytes of the current part in `data`
        kPartEnd,   ///< the current part is complete
        kDone,      ///< the closing boundary: nothing follows (the epilogue is ignored)
    };
    Kind kind = Kind::kNeedMore;  ///< what happened
    PartHeaders part;             ///< for kPart
    std::string_view data;        ///< for kData: valid until the next Feed or Next
};

/// A streaming multipart/form-data parser (RFC 7578, RFC 2046): bytes go in as they arrive, in
/// pieces of any size (a boundary may be split between two), and come out as parts whose data
/// is handed on piece by piece, so a part is never held whole. Memory: the bytes of one Feed
/// plus a boundary's length (and a part's headers, at most `kMaxHeaderBytes`). Pure: no I/O.
///
/// Use: Next() until kNeedMore, then Feed() the next bytes (or FinishInput() at the end of the
/// body). Malformed input throws core::Error (kInvalidArgument, "malformed_multipart").
class MultipartParser {
 public:
    /// The most bytes of headers one part may have.
    static constexpr std::size_t kMaxHeaderBytes = 16U * 1024U;

    /// A parser of a body delimited by `boundary` (Content-Type's `boundary` parameter).
    explicit MultipartParser(std::string_view boundary);

    /// Adds the next bytes of the body. Call only after Next() returned kNeedMore.
    void Feed(std::string_view bytes);
    /// The body has no more bytes: Next() then throws unless the closing boundary was seen.
    void FinishInput();
    /// The next step.
    MultipartStep Next();

 private:
    enum class State { kPreamble, kAfterBoundary, kHeaders, kBody, kDone };

    [[nodiscard]] std::string_view Pending() const;
    MultipartStep NeedMore();

    std::string delimiter_;  // CRLF "--" boundary
    std::string buffer_;
    std::size_t position_ = 0;
    State state_ = State::kPreamble;
    bool finished_ = false;
};

/// The `boundary` parameter of a `multipart/form-data` Content-Type; none when the type is not
/// multipart/form-data. Throws core::Error (kInvalidArgument) when it is, but the boundary is
/// missing or invalid (RFC 2046: 1 to 70 characters).
std::optional<std::string> FormDataBoundary(std::string_view content_type);

/// Parses the header block of a part (lines separated by CRLF, without the blank line).
/// Content-Disposition must be `form-data` with a `name`. `filename` is taken as browsers send
/// it (raw UTF-8; `%22`, `%0D` and `%0A` decoded, as the HTML standard escapes them);
/// `filename*=UTF-8''…` (RFC 5987) wins over it. Throws core::Error (kInvalidArgument,
/// "malformed_multipart") when malformed.
PartHeaders ParsePartHeaders(std::string_view block);

}  // namespace cerulean::api
