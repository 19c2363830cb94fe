#include "jobs/worker.hpp"

#include <gtest/gtest.h>

namespace cerulean::jobs {
namespace {

using core::Error;
using core::ErrorCode;
using std::chrono::milliseconds;

TEST(IsTransient, TheNetworkAndABusyOrFailingServiceMayPass) {
    EXPECT_TRUE(IsTransient(Error(ErrorCode::kUnavailable, "unreachable", "listing_failed")));
    EXPECT_TRUE(IsTransient(Error(ErrorCode::kDeadlineExceeded, "slow")));
    EXPECT_TRUE(IsTransient(Error(ErrorCode::kRateLimited, "throttled")));
    EXPECT_TRUE(IsTransient(Error(ErrorCode::kInternal, "500", "azure_error")));
    EXPECT_TRUE(IsTransient(Error(ErrorCode::kInternal, "503", "azure_unavailable")));
}

TEST(IsTransient, CredentialsMissingThingsAndBadPathsDoNot) {
    EXPECT_FALSE(IsTransient(Error(ErrorCode::kPermissionDenied, "403", "azure_auth_failed")));
    EXPECT_FALSE(IsTransient(Error(ErrorCode::kNotFound, "gone", "container_not_found")));
    EXPECT_FALSE(IsTransient(Error(ErrorCode::kInvalidArgument, "..", "invalid_local_path")));
    EXPECT_FALSE(IsTransient(Error(ErrorCode::kFailedPrecondition, "off", "connection_inactive")));
    EXPECT_FALSE(IsTransient(Error(ErrorCode::kFailedPrecondition, "no", "too_many_deletes")));
    EXPECT_FALSE(IsTransient(Error(ErrorCode::kInternal, "a bug")));
}

TEST(RetryDelay, DoublesFromTheBaseWithAFifthOfJitterUpToTheCap) {
    WorkerOptions options;
    options.retry_base = milliseconds(1000);
    options.retry_cap = milliseconds(5000);
    for (int i = 0; i < 50; ++i) {
        const auto first = RetryDelay(options, 1);
        EXPECT_GE(first, milliseconds(1000));
        EXPECT_LE(first, milliseconds(1200));
        const auto third = RetryDelay(options, 3);
        EXPECT_GE(third, milliseconds(4000));
        EXPECT_LE(third, milliseconds(4800));
        const auto late = RetryDelay(options, 40);
        EXPECT_GE(late, milliseconds(5000));
        EXPECT_LE(late, milliseconds(6000));
    }
}

}  // namespace
}  // namespace cerulean::jobs
