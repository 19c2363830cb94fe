#include "support/shared_servers.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <random>

namespace cerulean::testing {
namespace {

constexpr std::size_t kMaxNameLength = 63;

}  // namespace

// Function-local statics: initialised once even under concurrent first calls, and destroyed
// (so stopped) when the process exits normally; PR_SET_PDEATHSIG covers abnormal exits.
AzuriteServer& SharedAzurite() {
    static AzuriteServer server;
    return server;
}

PostgresServer& SharedPostgres() {
    static PostgresServer server;
    return server;
}

std::string UniqueName(std::string_view prefix) {
    static std::atomic<unsigned> counter{0};
    // One engine per thread, seeded once: concurrent callers need no lock.
    thread_local std::mt19937_64 engine{std::random_device{}()};

    std::string name;
    for (const char c : prefix) {
        const auto byte = static_cast<unsigned char>(c);
        if (std::isalnum(byte) != 0 && byte < 0x80) name += static_cast<char>(std::tolower(byte));
    }
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front())) != 0) {
        name.insert(name.begin(), 't');
    }
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "%u%08llx", counter.fetch_add(1) + 1,
                  static_cast<unsigned long long>(engine() & 0xFFFFFFFFULL));
    const std::string tail = suffix;
    name.resize(std::min(name.size(), kMaxNameLength - tail.size()));
    return name + tail;
}

}  // namespace cerulean::testing
