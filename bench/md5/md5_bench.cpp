// How fast one MD5 stream goes: OpenSSL's against each of our single-stream implementations this
// CPU can run, a lone stream in Md5UpdateLanes, and Md5Hasher (whichever it picks). In
// interleaved rounds: each round times every contender once, in an order that alternates, so
// that drift in the clock or in the load of a shared machine falls on all of them. Then, in the
// same way, a few streams at once on the AVX-512 lanes (an upload's block MD5 beside its blob
// MD5 is two): the narrow kernel against the 8-lane one, and eight streams for reference.
//
//   md5_bench [rounds] [MiB hashed per timing]

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/digest.hpp"
#include "crypto/md5_lanes.hpp"

namespace {

using cerulean::crypto::Md5Hasher;
using cerulean::crypto::Md5Lanes;
using cerulean::crypto::Md5LanesAvailable;
using cerulean::crypto::Md5Single;
using cerulean::crypto::Md5SingleAvailable;
using cerulean::crypto::Md5State;
using cerulean::crypto::Md5UpdateWith;

struct Contender {
    const char* name;
    std::function<std::string(std::string_view)> md5;
};

std::string OpenSslMd5(std::string_view bytes) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(bytes.data(), bytes.size(), out, &len, EVP_md5(), nullptr);
    return std::string(reinterpret_cast<const char*>(out), len);
}

std::vector<Contender> Contenders() {
    std::vector<Contender> all{{"openssl", OpenSslMd5}};
    for (auto [name, single] :
         {std::pair{"scalar", Md5Single::kScalar}, std::pair{"avx512", Md5Single::kAvx512}}) {
        if (!Md5SingleAvailable(single)) continue;
        all.push_back({name, [single](std::string_view bytes) {
                           Md5State state;
                           Md5UpdateWith(single, state, bytes);
                           return state.Finish();
                       }});
    }
    // A lone stream in Md5UpdateLanes (a whole-blob MD5 computed beside no block MD5).
    all.push_back({"lanes x1", [](std::string_view bytes) {
                       Md5State state;
                       Md5State* const states[] = {&state};
                       cerulean::crypto::Md5UpdateLanes(states, {&bytes, 1});
                       return state.Finish();
                   }});
    all.push_back({"Md5Hasher", [](std::string_view bytes) {
                       Md5Hasher hasher;
                       hasher.Update(bytes);
                       return hasher.Finish();
                   }});
    return all;
}

// `streams` streams at once on the AVX-512 lanes, each given `size` bytes, plus `padding` more
// of the same length, so that the lane code has more than the narrow kernel takes and runs the
// 8-lane kernel: what `streams` alone cost before the narrow kernel (idle lanes cost as much as
// busy ones there).
struct LanesContender {
    const char* name;
    std::size_t streams;
    std::size_t padding;
};

const LanesContender kLanesContenders[] = {
    {"2 8-lane", 2, 3}, {"2 narrow", 2, 0}, {"3 8-lane", 3, 2}, {"3 narrow", 3, 0},
    {"4 8-lane", 4, 1}, {"4 narrow", 4, 0}, {"8 8-lane", 8, 0},
};

// The digests of the contender's streams, each stream a slice of `data` (padding reuses them).
std::vector<std::string> HashLanes(const LanesContender& c, std::string_view data,
                                   std::size_t size) {
    const std::size_t total = c.streams + c.padding;
    std::vector<Md5State> states(total);
    std::vector<Md5State*> pointers;
    std::vector<std::string_view> inputs;
    for (std::size_t i = 0; i < total; ++i) {
        pointers.push_back(&states[i]);
        inputs.push_back(data.substr((i % c.streams) * size, size));
    }
    cerulean::crypto::Md5UpdateLanesWith(Md5Lanes::kAvx512, pointers, inputs);
    std::vector<std::string> digests;
    for (std::size_t i = 0; i < c.streams; ++i) digests.push_back(states[i].Finish());
    return digests;
}

// Where each digest goes, so that the hashing is observable and cannot be left out.
volatile unsigned char g_sink = 0;

double Median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 9;
    const std::size_t per_timing = (argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 256) << 20U;
    const std::vector<Contender> contenders = Contenders();
    std::mt19937_64 random(1);
    for (const std::size_t size : {std::size_t{1} << 20U, std::size_t{256} << 10U}) {
        std::string buffer(size, '\0');
        for (char& c : buffer) c = static_cast<char>(random());
        // Every contender must agree, or its figure means nothing.
        for (const Contender& c : contenders) {
            if (c.md5(buffer) != OpenSslMd5(buffer)) {
                std::fprintf(stderr, "%s gives a wrong MD5\n", c.name);
                return 1;
            }
        }
        std::printf("%zu KiB buffers, MB/s\n%-10s", size >> 10U, "round");
        for (const Contender& c : contenders) std::printf("%12s", c.name);
        std::printf("\n");
        std::vector<std::vector<double>> rates(contenders.size());
        const std::size_t repeats = std::max<std::size_t>(1, per_timing / size);
        for (int round = 0; round < rounds; ++round) {
            std::vector<std::size_t> order(contenders.size());
            for (std::size_t i = 0; i < order.size(); ++i) {
                order[i] = round % 2 == 0 ? i : order.size() - 1 - i;
            }
            for (const std::size_t i : order) {
                const auto start = std::chrono::steady_clock::now();
                for (std::size_t r = 0; r < repeats; ++r) {
                    g_sink = static_cast<unsigned char>(contenders[i].md5(buffer)[0]);
                }
                const double seconds =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                rates[i].push_back(static_cast<double>(size * repeats) / seconds / 1e6);
            }
            std::printf("%-10d", round + 1);
            for (const auto& r : rates) std::printf("%12.0f", r.back());
            std::printf("\n");
        }
        std::printf("%-10s", "median");
        for (const auto& r : rates) std::printf("%12.0f", Median(r));
        // The fastest round: the least disturbed, on a busy machine.
        std::printf("\n%-10s", "best");
        for (const auto& r : rates) std::printf("%12.0f", *std::max_element(r.begin(), r.end()));
        // Against OpenSSL in the same round, which a load that comes and goes skews less.
        std::printf("\n%-10s", "vs openssl");
        for (const auto& r : rates) {
            std::vector<double> ratios;
            for (std::size_t i = 0; i < r.size(); ++i) ratios.push_back(r[i] / rates[0][i]);
            std::printf("%11.1f%%", (Median(ratios) - 1) * 100);
        }
        std::printf("  (median of the rounds' ratios)\n\n");
    }
    if (!Md5LanesAvailable(Md5Lanes::kAvx512)) return 0;
    const std::size_t size = std::size_t{1} << 20U;
    std::string data(8 * size, '\0');
    for (char& c : data) c = static_cast<char>(random());
    for (const LanesContender& c : kLanesContenders) {
        const std::vector<std::string> digests = HashLanes(c, data, size);
        for (std::size_t i = 0; i < c.streams; ++i) {
            if (digests[i] != OpenSslMd5(std::string_view(data).substr(i * size, size))) {
                std::fprintf(stderr, "%s gives a wrong MD5\n", c.name);
                return 1;
            }
        }
    }
    std::printf("streams at once on the AVX-512 lanes, 1 MiB each: MB/s per stream\n%-10s",
                "round");
    for (const LanesContender& c : kLanesContenders) std::printf("%10s", c.name);
    std::printf("\n");
    const std::size_t count = std::size(kLanesContenders);
    std::vector<std::vector<double>> rates(count);
    const std::size_t repeats = std::max<std::size_t>(1, per_timing / size / 4);
    for (int round = 0; round < rounds; ++round) {
        for (std::size_t k = 0; k < count; ++k) {
            const std::size_t i = round % 2 == 0 ? k : count - 1 - k;
            const auto start = std::chrono::steady_clock::now();
            for (std::size_t r = 0; r < repeats; ++r) {
                g_sink =
                    static_cast<unsigned char>(HashLanes(kLanesContenders[i], data, size)[0][0]);
            }
            const double seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            rates[i].push_back(static_cast<double>(size * repeats) / seconds / 1e6);
        }
        std::printf("%-10d", round + 1);
        for (const auto& r : rates) std::printf("%10.0f", r.back());
        std::printf("\n");
    }
    std::printf("%-10s", "median");
    for (const auto& r : rates) std::printf("%10.0f", Median(r));
    std::printf("\n%-10s", "best");
    for (const auto& r : rates) std::printf("%10.0f", *std::max_element(r.begin(), r.end()));
    std::printf("\n");
    return 0;
}
