#pragma once

#include <atomic>
#include <cstddef>
#include <memory>

namespace cerulean::api {

/// How many blob streams (uploads, downloads, streamed copies) a server runs at once. Each holds
/// a thread of the transfer pool for as long as its client or Azure takes, so past the limit a
/// new one is refused at once (503 with Retry-After) instead of waiting, unseen, in a queue
/// that quick calls such as listings must never stand in.
class TransferSlots {
 public:
    /// A held slot; destroying the last copy gives it back.
    using Slot = std::shared_ptr<void>;

    /// At most `limit` (>= 1) slots held at once.
    explicit TransferSlots(std::size_t limit);

    /// A slot, or throws core::Error kUnavailable "server_busy" (with a Retry-After) when all are
    /// held. Thread-safe.
    [[nodiscard]] Slot Take();

    /// Slots held now.
    [[nodiscard]] std::size_t in_use() const { return state_->held.load(); }
    /// The limit.
    [[nodiscard]] std::size_t limit() const { return state_->limit; }

 private:
    struct State {
        std::size_t limit;
        std::atomic<std::size_t> held{0};
    };
    std::shared_ptr<State> state_;  // shared with the slots, so one may outlive this object
};

}  // namespace cerulean::api
