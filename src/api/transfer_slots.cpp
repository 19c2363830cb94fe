#include "api/transfer_slots.hpp"

#include <algorithm>
#include <string>

#include "core/error.hpp"

namespace cerulean::api {
namespace {

// What a refused client is told to wait: transfers take seconds to minutes.
constexpr int kRetryAfterSeconds = 5;

}  // namespace

TransferSlots::TransferSlots(std::size_t limit) : state_(std::make_shared<State>()) {
    state_->limit = std::max<std::size_t>(limit, 1);
}

TransferSlots::Slot TransferSlots::Take() {
    std::size_t held = state_->held.load();
    do {
        if (held >= state_->limit) {
            throw core::Error(core::ErrorCode::kUnavailable,
                              "the server is at its limit of " + std::to_string(state_->limit) +
                                  " simultaneous uploads, downloads and copies: try again shortly",
                              "server_busy")
                .WithRetryAfter(kRetryAfterSeconds);
        }
    } while (!state_->held.compare_exchange_weak(held, held + 1));
    // A token whose deleter gives the slot back; it keeps the counter alive.
    auto state = state_;
    return {static_cast<void*>(state.get()), [state](void*) { --state->held; }};
}

}  // namespace cerulean::api
