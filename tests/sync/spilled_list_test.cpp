// The list that holds a run's deletes: bounded memory, every byte of a path kept.

#include "sync/spilled_list.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cerulean::sync {
namespace {

TEST(SpilledList, GivesBackEveryItemInOrderPastWhatItKeepsInMemory) {
    SpilledList list(3);
    std::vector<std::pair<std::string, std::uint64_t>> added;
    for (int i = 0; i < 1000; ++i) {
        std::string path = "p/" + std::to_string(i);
        if (i % 7 == 0) path += "\nwith newline";
        if (i % 11 == 0) path += std::string(300, 'z');
        list.Add(path, static_cast<std::uint64_t>(i) * 1'000'000'007ULL);
        added.emplace_back(path, static_cast<std::uint64_t>(i) * 1'000'000'007ULL);
    }
    list.Add("", 0);
    added.emplace_back("", 0);
    EXPECT_EQ(list.size(), added.size());
    for (int round = 0; round < 2; ++round) {
        std::vector<std::pair<std::string, std::uint64_t>> seen;
        list.ForEach([&](const std::string& path, std::uint64_t size) {
            seen.emplace_back(path, size);
            return true;
        });
        EXPECT_EQ(seen, added);
    }
}

TEST(SpilledList, StopsWhenTheVisitorSaysSo) {
    SpilledList list(2);
    for (int i = 0; i < 10; ++i) list.Add(std::to_string(i), 1);
    int seen = 0;
    list.ForEach([&](const std::string&, std::uint64_t) { return ++seen < 5; });
    EXPECT_EQ(seen, 5);
}

}  // namespace
}  // namespace cerulean::sync
