#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "support/net.hpp"

namespace cerulean::testing {

/// A proxy in front of a storage service (Azurite) that controls how much of its answers gets
/// through: answers pass while the byte budget lasts (all connections together), then are held
/// where they are, connections alive, until Open(); each chunk of an answer may also wait a
/// fixed delay. What clients send passes untouched and is recorded. For tests that need a
/// transfer stopped at a known point, or slowed down, without timing anything.
class BudgetProxy {
 public:
    /// A proxy in front of 127.0.0.1:`target_port` letting `budget` answer bytes through (no
    /// limit by default), each chunk after `delay`.
    explicit BudgetProxy(int target_port, std::uint64_t budget = UINT64_MAX,
                         std::chrono::milliseconds delay = std::chrono::milliseconds(0));
    /// Releases every held answer, then stops.
    ~BudgetProxy();
    BudgetProxy(const BudgetProxy&) = delete;
    BudgetProxy& operator=(const BudgetProxy&) = delete;

    /// The port clients connect to.
    [[nodiscard]] int port() const { return proxy_.port(); }
    /// Azurite's account through this proxy: "http://127.0.0.1:PORT/devstoreaccount1".
    [[nodiscard]] std::string azurite_endpoint() const { return proxy_.azurite_endpoint(); }
    /// A connection string for Azurite's account through this proxy, with its key, or with
    /// `sas` when given.
    [[nodiscard]] std::string connection_string(const std::string& sas = {}) const;

    /// Holds every answer from now on (a budget of 0).
    void Hold();
    /// Lets everything through from now on.
    void Open();
    /// Waits until an answer is being held; false after `timeout`.
    bool WaitUntilHolding(std::chrono::milliseconds timeout);
    /// How many times an answer was held so far.
    [[nodiscard]] int held() const;
    /// What clients sent since the last call (request heads and bodies).
    std::string TakeRequests();

 private:
    std::size_t Allow(std::size_t want);
    RelayVerdict Forward(bool from_upstream, std::string_view bytes, int to);

    std::chrono::milliseconds delay_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::uint64_t budget_;
    std::string requests_;
    int holding_ = 0;
    int held_ = 0;
    bool stopping_ = false;
    LoopbackProxy proxy_;  // last: stopped before the state its relays use
};

}  // namespace cerulean::testing
