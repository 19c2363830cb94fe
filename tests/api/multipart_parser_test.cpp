// The streaming multipart/form-data parser, without sockets.

#include "api/multipart_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.hpp"

namespace cerulean::api {
namespace {

struct Part {
    PartHeaders headers;
    std::string data;
    std::size_t pieces = 0;
};

// Parses `body` fed in pieces of `piece` bytes; the parts, complete.
std::vector<Part> ParseAll(std::string_view boundary, std::string_view body, std::size_t piece) {
    MultipartParser parser(boundary);
    std::vector<Part> parts;
    std::size_t offset = 0;
    for (;;) {
        const MultipartStep step = parser.Next();
        switch (step.kind) {
            case MultipartStep::Kind::kNeedMore:
                if (offset >= body.size()) {
                    parser.FinishInput();
                } else {
                    parser.Feed(body.substr(offset, piece));
                    offset += piece;
                }
                break;
            case MultipartStep::Kind::kPart:
                parts.push_back({step.part, {}, 0});
                break;
            case MultipartStep::Kind::kData:
                EXPECT_FALSE(parts.empty());
                EXPECT_FALSE(step.data.empty());
                parts.back().data.append(step.data);
                ++parts.back().pieces;
                break;
            case MultipartStep::Kind::kPartEnd:
                break;
            case MultipartStep::Kind::kDone:
                return parts;
        }
    }
}

std::string Body() {
    return "preamble to ignore\r\n"
           "--XyZ\r\n"
           "Content-Disposition: form-data; name=\"note\"\r\n"
           "\r\n"
           "hello\r\n"
           "--XyZ\r\n"
           "Content-Disposition: form-data; name=\"file\"; filename=\"r\xC3\xA9sum\xC3\xA9 "
           "1.txt\"\r\n"
           "Content-Type: text/plain\r\n"
           "\r\n"
           "line one\r\n--XyNot a boundary\r\n-\r\n--X\r\n"
           "--XyZ\r\n"
           "content-disposition: form-data; name=file; filename*=UTF-8''%E2%82%AC%20rates.csv; "
           "filename=\"fallback.csv\"\r\n"
           "\r\n"
           "\r\n"
           "\r\n"
           "--XyZ--\r\n"
           "epilogue";
}

TEST(MultipartParser, ParsesPartsWhateverTheReadSizes) {
    const std::string body = Body();
    for (std::size_t piece = 1; piece <= body.size(); ++piece) {
        const auto parts = ParseAll("XyZ", body, piece);
        ASSERT_EQ(parts.size(), 3U) << "pieces of " << piece;
        EXPECT_EQ(parts[0].headers.name, "note");
        EXPECT_FALSE(parts[0].headers.filename.has_value());
        EXPECT_EQ(parts[0].data, "hello");
        EXPECT_EQ(parts[1].headers.name, "file");
        EXPECT_EQ(parts[1].headers.filename, "r\xC3\xA9sum\xC3\xA9 1.txt");
        EXPECT_EQ(parts[1].headers.content_type, "text/plain");
        EXPECT_EQ(parts[1].data, "line one\r\n--XyNot a boundary\r\n-\r\n--X") << piece;
        EXPECT_EQ(parts[2].headers.filename, "\xE2\x82\xAC rates.csv");
        EXPECT_EQ(parts[2].headers.content_type, "");
        EXPECT_EQ(parts[2].data, "\r\n") << "pieces of " << piece;
    }
}

TEST(MultipartParser, HandsOnDataWithoutHoldingAWholePart) {
    const std::string data(1U << 20U, 'a');
    const std::string body =
        "--b\r\nContent-Disposition: form-data; name=\"file\"; "
        "filename=\"big\"\r\n\r\n" +
        data + "\r\n--b--";
    MultipartParser parser("b");
    std::size_t offset = 0;
    std::size_t got = 0;
    std::size_t largest = 0;
    for (;;) {
        const MultipartStep step = parser.Next();
        if (step.kind == MultipartStep::Kind::kDone) break;
        if (step.kind == MultipartStep::Kind::kNeedMore) {
            parser.Feed(std::string_view(body).substr(offset, 4096));
            offset += 4096;
        }
        if (step.kind == MultipartStep::Kind::kData) {
            got += step.data.size();
            largest = std::max(largest, step.data.size());
        }
    }
    EXPECT_EQ(got, data.size());
    EXPECT_LE(largest, 4096U);
}

TEST(MultipartParser, EmptyPartsAndBoundaryOnTheFirstLine) {
    const auto parts = ParseAll("b",
                                "--b\r\nContent-Disposition: form-data; name=\"file\"; "
                                "filename=\"empty.bin\"\r\n\r\n\r\n--b  \r\n"
                                "Content-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--b--",
                                7);
    ASSERT_EQ(parts.size(), 2U);
    EXPECT_EQ(parts[0].data, "");
    EXPECT_EQ(parts[0].headers.filename, "empty.bin");
    EXPECT_EQ(parts[1].data, "v");
}

TEST(MultipartParser, DecodesFilenamesAsBrowsersAndRfc5987WriteThem) {
    auto filename = [](std::string_view disposition) {
        return ParsePartHeaders("Content-Disposition: " + std::string(disposition))
            .filename.value_or("<none>");
    };
    // Browsers escape only '"', CR and LF; a backslash and other '%' are themselves.
    EXPECT_EQ(filename("form-data; name=\"file\"; filename=\"say %22hi%22.txt\""),
              "say \"hi\".txt");
    EXPECT_EQ(filename("form-data; name=\"file\"; filename=\"100%.txt\""), "100%.txt");
    EXPECT_EQ(filename("form-data; name=\"file\"; filename=\"a\\b;c=d.txt\""), "a\\b;c=d.txt");
    EXPECT_EQ(filename("form-data; name=\"file\"; filename=\"dir/sub/f.txt\""), "dir/sub/f.txt");
    EXPECT_EQ(filename("form-data; name=\"file\"; filename=\"\xE6\x97\xA5\xE6\x9C\xAC.txt\""),
              "\xE6\x97\xA5\xE6\x9C\xAC.txt");
    EXPECT_EQ(filename("FORM-DATA; NAME=\"file\"; FILENAME*=utf-8'en'%C3%A9t%C3%A9%3F.txt"),
              "\xC3\xA9t\xC3\xA9?.txt");
    EXPECT_EQ(filename("form-data; name=\"file\"; filename*=iso-8859-1''%E9t%E9"),
              "\xC3\xA9t\xC3\xA9");
    EXPECT_EQ(filename("form-data; name=\"file\""), "<none>");
    EXPECT_EQ(filename("form-data; name=\"file\"; filename=\"\""), "");
    // Folded (obsolete) header lines are joined.
    EXPECT_EQ(ParsePartHeaders("Content-Disposition: form-data;\r\n name=\"file\";\r\n\tfilename=x")
                  .filename,
              "x");
}

TEST(MultipartParser, RefusesMalformedInput) {
    auto malformed = [](std::string_view boundary, std::string_view body) {
        try {
            ParseAll(boundary, body, 5);
        } catch (const core::Error& e) {
            EXPECT_EQ(e.code(), core::ErrorCode::kInvalidArgument);
            EXPECT_EQ(e.reason(), "malformed_multipart");
            return true;
        }
        return false;
    };
    const std::string part =
        "Content-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n";
    EXPECT_TRUE(malformed("b", ""));
    EXPECT_TRUE(malformed("b", "no boundary at all"));
    EXPECT_TRUE(malformed("b", "--b\r\n" + part + "cut short"));
    EXPECT_TRUE(malformed("b", "--b\r\n" + part + "x\r\n--b"));
    EXPECT_TRUE(malformed("b", "--bx\r\n" + part + "x\r\n--b--"));
    EXPECT_TRUE(malformed("b", "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--"));
    EXPECT_TRUE(
        malformed("b", "--b\r\nContent-Disposition: attachment; name=\"f\"\r\n\r\n\r\n--b--"));
    EXPECT_TRUE(malformed("b", "--b\r\nContent-Disposition: form-data\r\n\r\n\r\n--b--"));
    EXPECT_TRUE(malformed("b", "--b\r\nno colon here\r\n\r\n\r\n--b--"));
    EXPECT_TRUE(malformed("b", "--b\r\nContent-Disposition: form-data; name=\"f\r\n\r\n\r\n--b--"));
    EXPECT_TRUE(malformed(
        "b",
        "--b\r\nContent-Disposition: form-data; name=f; filename*=UTF-8''%G1\r\n\r\n\r\n--b--"));
    EXPECT_TRUE(malformed(
        "b", "--b\r\nContent-Disposition: form-data; name=f; filename=\"\xC3\"\r\n\r\n\r\n--b--"));
    EXPECT_TRUE(malformed("b", "--b\r\nX: " + std::string(20000, 'h') + "\r\n\r\n\r\n--b--"));
    EXPECT_FALSE(malformed("b", "--b\r\n" + part + "x\r\n--b--"));
}

TEST(MultipartParser, FindsTheBoundaryOfFormDataOnly) {
    EXPECT_EQ(FormDataBoundary("multipart/form-data; boundary=----WebKitFormBoundaryAbC"),
              "----WebKitFormBoundaryAbC");
    EXPECT_EQ(FormDataBoundary("Multipart/Form-Data;charset=utf-8;BOUNDARY=\"a b:c\""), "a b:c");
    EXPECT_FALSE(FormDataBoundary("application/octet-stream").has_value());
    EXPECT_FALSE(FormDataBoundary("text/plain; charset=\"utf-8").has_value());
    EXPECT_FALSE(FormDataBoundary("").has_value());
    EXPECT_FALSE(FormDataBoundary("multipart/mixed; boundary=x").has_value());
    EXPECT_THROW(FormDataBoundary("multipart/form-data"), core::Error);
    EXPECT_THROW(FormDataBoundary("multipart/form-data; boundary="), core::Error);
    EXPECT_THROW(FormDataBoundary("multipart/form-data; boundary=" + std::string(71, 'x')),
                 core::Error);
}

}  // namespace
}  // namespace cerulean::api
