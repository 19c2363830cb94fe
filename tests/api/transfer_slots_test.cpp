// TransferSlots: the bound on blob streams a server runs at once.

#include "api/transfer_slots.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "core/error.hpp"

namespace cerulean::api {
namespace {

TEST(TransferSlotsTest, RefusesPastTheLimitAndTakesBackWhatIsGiven) {
    TransferSlots slots(2);
    auto first = slots.Take();
    auto second = slots.Take();
    EXPECT_EQ(slots.in_use(), 2U);
    try {
        (void)slots.Take();
        FAIL() << "a third slot was handed out";
    } catch (const core::Error& error) {
        EXPECT_EQ(error.code(), core::ErrorCode::kUnavailable);
        EXPECT_EQ(error.reason(), "server_busy");
        EXPECT_EQ(error.retry_after_seconds(), 5);
    }
    EXPECT_EQ(slots.in_use(), 2U) << "a refusal holds nothing";
    auto copy = first;
    first.reset();
    EXPECT_EQ(slots.in_use(), 2U) << "a copy still holds the slot";
    copy.reset();
    EXPECT_EQ(slots.in_use(), 1U);
    EXPECT_NO_THROW((void)slots.Take());  // taken and given back at once
    EXPECT_EQ(slots.in_use(), 1U);
}

TEST(TransferSlotsTest, NeverHandsOutMoreThanTheLimitUnderContention) {
    TransferSlots slots(3);
    std::atomic<std::size_t> most{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 2000; ++i) {
                try {
                    auto slot = slots.Take();
                    std::size_t now = slots.in_use();
                    std::size_t seen = most.load();
                    while (now > seen && !most.compare_exchange_weak(seen, now)) {
                    }
                } catch (const core::Error&) {
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_LE(most.load(), 3U);
    EXPECT_EQ(slots.in_use(), 0U);
}

}  // namespace
}  // namespace cerulean::api
