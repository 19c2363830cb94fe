// BodyPipe: the hand-off of an upload's body from the request coroutine to an upload thread.

#include "api/body_pipe.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>

#include "../http/run_task.hpp"
#include "core/error.hpp"
#include "http/request.hpp"

namespace cerulean::api {
namespace {

using testing::RunTask;

std::string ReadAll(BodyPipe& pipe, std::size_t read_size) {
    std::string out;
    std::string buffer(read_size, '\0');
    for (;;) {
        const std::size_t n = pipe.Read(buffer.data(), buffer.size());
        if (n == 0) return out;
        out.append(buffer, 0, n);
    }
}

std::string Pattern(std::size_t size) {
    std::string s(size, '\0');
    for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return s;
}

TEST(BodyPipeTest, FeedsAWholeBodyInOrderThroughASmallPipe) {
    const std::string body = Pattern(3U << 20U);
    auto pipe = std::make_shared<BodyPipe>(64U * 1024U);
    std::string received;
    // The reader is slower than the feeder in small reads, so Push must wait for room.
    std::thread reader([&] { received = ReadAll(*pipe, 1000); });
    http::StringBodySource source(body);
    RunTask(FeedBody(source, pipe, 48U * 1024U));
    reader.join();
    EXPECT_EQ(received.size(), body.size());
    EXPECT_TRUE(received == body);
    EXPECT_EQ(pipe->buffered(), 0U);
}

TEST(BodyPipeTest, ReusesTheStorageOfChunksAlreadyRead) {
    BodyPipe pipe(1U << 20U);
    std::string chunk(1000, 'x');
    chunk.reserve(64U * 1024U);
    const char* storage = chunk.data();
    ASSERT_TRUE(RunTask(pipe.Push(std::move(chunk))));
    EXPECT_TRUE(pipe.TakeSpare().empty()) << "nothing has been read yet";
    std::string buffer(4096, '\0');
    EXPECT_EQ(pipe.Read(buffer.data(), buffer.size()), 1000U);
    std::string spare = pipe.TakeSpare();
    EXPECT_TRUE(spare.empty());
    EXPECT_EQ(spare.data(), storage) << "the chunk read comes back, emptied, for the next fill";
    EXPECT_GE(spare.capacity(), 64U * 1024U);
}

TEST(BodyPipeTest, AFailedBodyMakesTheReaderThrow) {
    BodyPipe pipe(1024);
    ASSERT_TRUE(RunTask(pipe.Push("abc")));
    pipe.Fail(std::make_exception_ptr(std::runtime_error("client went away")));
    std::string buffer(16, '\0');
    EXPECT_THROW(pipe.Read(buffer.data(), buffer.size()), std::runtime_error);
}

TEST(BodyPipeTest, AClosedPipeRefusesMoreBytesAndReleasesAWaitingPush) {
    auto pipe = std::make_shared<BodyPipe>(16);
    ASSERT_TRUE(RunTask(pipe->Push(std::string(16, 'a'))));  // full now
    std::thread closer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        pipe->Close();
    });
    EXPECT_FALSE(RunTask(pipe->Push("more"))) << "a Push waiting for room returns false on Close";
    closer.join();
    EXPECT_EQ(pipe->buffered(), 0U);
    EXPECT_FALSE(RunTask(pipe->Push("late")));
}

}  // namespace
}  // namespace cerulean::api
