// multipart/form-data uploads (POST .../blobs): the boundary of a Content-Type
// (FormDataBoundary), the streaming MultipartParser, and part headers (ParsePartHeaders).
//
// Input: line 1 the request's Content-Type, the rest the body.
//
// Invariants: only core::Error (kInvalidArgument) escapes; the parser gives the same parts,
// headers and bytes (and fails alike) whether the body comes whole, in pieces of a few bytes, or
// byte by byte; data steps are never empty and come only inside a part; a boundary is 1 to 70
// characters; filenames are valid UTF-8.

#include <string>
#include <vector>

#include "api/multipart_parser.hpp"
#include "core/error.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace cerulean;
using Kind = api::MultipartStep::Kind;

struct Event {
    Kind kind;
    api::PartHeaders part;
    std::string data;  // kData: every byte up to the next other event
};

bool Same(const api::PartHeaders& a, const api::PartHeaders& b) {
    return a.name == b.name && a.filename == b.filename && a.content_type == b.content_type;
}

struct Outcome {
    std::vector<Event> events;
    bool failed = false;
};

// `body` fed in pieces of `piece` bytes (0: whole).
Outcome Parse(std::string_view boundary, std::string_view body, std::size_t piece) {
    api::MultipartParser parser(boundary);
    Outcome out;
    std::size_t offset = 0;
    bool in_part = false;
    try {
        for (int steps = 0;; ++steps) {
            FUZZ_CHECK(steps < 1000000, "the parser does not progress");
            const api::MultipartStep step = parser.Next();
            switch (step.kind) {
                case Kind::kNeedMore:
                    if (offset >= body.size()) {
                        parser.FinishInput();
                    } else {
                        const std::size_t n = piece == 0 ? body.size() : piece;
                        parser.Feed(body.substr(offset, n));
                        offset += n;
                    }
                    continue;
                case Kind::kPart:
                    FUZZ_CHECK(!in_part, "a part inside a part");
                    if (step.part.filename) {
                        FUZZ_CHECK(fuzz::IsValidUtf8(*step.part.filename), *step.part.filename);
                    }
                    in_part = true;
                    out.events.push_back({step.kind, step.part, {}});
                    continue;
                case Kind::kData:
                    FUZZ_CHECK(in_part, "data outside a part");
                    FUZZ_CHECK(!step.data.empty(), "an empty data step");
                    if (out.events.back().kind != Kind::kData)
                        out.events.push_back({Kind::kData, {}, {}});
                    out.events.back().data.append(step.data);
                    continue;
                case Kind::kPartEnd:
                    FUZZ_CHECK(in_part, "the end of no part");
                    in_part = false;
                    out.events.push_back({step.kind, {}, {}});
                    continue;
                case Kind::kDone:
                    FUZZ_CHECK(!in_part, "done inside a part");
                    FUZZ_CHECK(parser.Next().kind == Kind::kDone, "done is not final");
                    return out;
            }
        }
    } catch (const core::Error& e) {
        FUZZ_CHECK(e.code() == core::ErrorCode::kInvalidArgument, e.what());
        FUZZ_CHECK(e.reason() == "malformed_multipart", e.what());
        out.failed = true;
    }
    return out;
}

void CheckSame(const Outcome& a, const Outcome& b, std::size_t piece) {
    const std::string where = "piece " + std::to_string(piece);
    FUZZ_CHECK(a.failed == b.failed, where);
    // A failing parse may stop at a different byte when the data is chunked differently (data
    // handed on before the error): compare what both saw.
    const std::size_t n = a.failed ? std::min(a.events.size(), b.events.size()) : a.events.size();
    FUZZ_CHECK(a.failed || a.events.size() == b.events.size(), where);
    for (std::size_t i = 0; i < n; ++i) {
        FUZZ_CHECK(a.events[i].kind == b.events[i].kind, where);
        FUZZ_CHECK(Same(a.events[i].part, b.events[i].part), where);
        if (a.failed && i + 1 == n) continue;  // the last data run may be cut short
        FUZZ_CHECK(a.events[i].data == b.events[i].data, where);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto f = fuzz::Fields(fuzz::AsText(data, size), 2);
    const std::string_view content_type = f[0];
    const std::string_view body = f[1];

    std::string boundary = "b";
    try {
        if (const auto given = api::FormDataBoundary(content_type)) {
            FUZZ_CHECK(!given->empty() && given->size() <= 70, *given);
            boundary = *given;
        }
    } catch (const core::Error& e) {
        FUZZ_CHECK(e.code() == core::ErrorCode::kInvalidArgument, e.what());
    }

    try {
        const api::PartHeaders part = api::ParsePartHeaders(body);
        (void)part;
    } catch (const core::Error& e) {
        FUZZ_CHECK(e.code() == core::ErrorCode::kInvalidArgument, e.what());
    }

    const Outcome whole = Parse(boundary, body, 0);
    const std::size_t piece = 1 + size % 13;
    CheckSame(whole, Parse(boundary, body, piece), piece);
    if (body.size() <= 4096) CheckSame(whole, Parse(boundary, body, 1), 1);
    return 0;
}
