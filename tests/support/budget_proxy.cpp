#include "support/budget_proxy.hpp"

#include <algorithm>
#include <thread>
#include <utility>

#include "support/azurite_server.hpp"

namespace cerulean::testing {

BudgetProxy::BudgetProxy(int target_port, std::uint64_t budget, std::chrono::milliseconds delay)
    : delay_(delay),
      budget_(budget),
      proxy_(target_port, [this](bool from_upstream, std::string_view bytes, int to) {
          return Forward(from_upstream, bytes, to);
      }) {}

BudgetProxy::~BudgetProxy() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
}

std::string BudgetProxy::connection_string(const std::string& sas) const {
    const std::string endpoint = "BlobEndpoint=" + azurite_endpoint();
    if (!sas.empty()) return endpoint + ";SharedAccessSignature=" + sas;
    return "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" +
           std::string(AzuriteServer::kAccountKey) + ";" + endpoint;
}

void BudgetProxy::Hold() {
    const std::lock_guard lock(mutex_);
    budget_ = 0;
}

void BudgetProxy::Open() {
    {
        const std::lock_guard lock(mutex_);
        budget_ = UINT64_MAX;
    }
    changed_.notify_all();
}

bool BudgetProxy::WaitUntilHolding(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return holding_ > 0; });
}

int BudgetProxy::held() const {
    const std::lock_guard lock(mutex_);
    return held_;
}

std::string BudgetProxy::TakeRequests() {
    const std::lock_guard lock(mutex_);
    return std::exchange(requests_, {});
}

std::size_t BudgetProxy::Allow(std::size_t want) {
    std::unique_lock lock(mutex_);
    if (budget_ == 0) {
        ++holding_;
        ++held_;
        changed_.notify_all();
        changed_.wait(lock, [&] { return stopping_ || budget_ > 0; });
        --holding_;
    }
    if (stopping_) return 0;
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(want, budget_));
    if (budget_ != UINT64_MAX) budget_ -= n;
    return n;
}

RelayVerdict BudgetProxy::Forward(bool from_upstream, std::string_view bytes, int to) {
    if (!from_upstream) {
        {
            const std::lock_guard lock(mutex_);
            requests_.append(bytes);
        }
        return SendAll(to, bytes) ? RelayVerdict::kContinue : RelayVerdict::kClose;
    }
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    while (!bytes.empty()) {
        const std::size_t allowed = Allow(bytes.size());
        if (allowed == 0 || !SendAll(to, bytes.substr(0, allowed))) return RelayVerdict::kClose;
        bytes.remove_prefix(allowed);
    }
    return RelayVerdict::kContinue;
}

}  // namespace cerulean::testing
