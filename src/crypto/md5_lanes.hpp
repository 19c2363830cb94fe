#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace cerulean::crypto {

/// One MD5 computation in progress, as a plain value (no allocation), so that several can be
/// advanced together by Md5UpdateLanes. Not for security: Azure's Content-MD5.
class Md5State {
 public:
    /// Adds bytes, with the fastest single-stream code this CPU has (Md5SingleBest).
    void Update(std::string_view bytes);
    /// The 16 raw bytes of the digest; the state is spent afterwards.
    std::string Finish();

 private:
    friend struct Md5StateAccess;
    std::array<std::uint32_t, 4> abcd_{0x67452301U, 0xefcdab89U, 0x98badcfeU, 0x10325476U};
    std::uint64_t length_ = 0;                 // bytes added so far
    std::array<unsigned char, 64> pending_{};  // the start of an incomplete 64-byte block
    std::size_t pending_size_ = 0;
};

/// Which code advances one MD5 stream on its own. MD5 is a chain of dependent steps, so what
/// counts is the latency of a step, not the width of the registers.
enum class Md5Single {
    kAuto,    ///< the best this CPU has
    kScalar,  ///< general-purpose registers
    kAvx512,  ///< lane 0 of AVX-512VL registers: 4 single-cycle instructions per step
};

/// Whether this CPU (and build) can run `single`.
bool Md5SingleAvailable(Md5Single single) noexcept;

/// The implementation kAuto picks here.
Md5Single Md5SingleBest() noexcept;

/// As Md5State::Update, with a given implementation (tests and the benchmark compare them).
/// Throws core::Error (kInvalidArgument) when the CPU lacks it.
void Md5UpdateWith(Md5Single single, Md5State& state, std::string_view bytes);

/// Which code advances several MD5s at once.
enum class Md5Lanes {
    kAuto,    ///< the best this CPU has
    kScalar,  ///< one stream after another
    kAvx2,    ///< 8 streams in the lanes of AVX2 registers
    kAvx512,  ///< 8 streams in AVX-512VL registers (rotate and ternary-logic instructions);
              ///< 2 to 4 in xmm registers, where each goes about as fast as one alone
};

/// Whether this CPU (and build) can run `lanes`.
bool Md5LanesAvailable(Md5Lanes lanes) noexcept;

/// The implementation kAuto picks here.
Md5Lanes Md5LanesBest() noexcept;

/// Adds `bytes[i]` to `*states[i]` for every i, several streams at once in SIMD lanes (MD5 is
/// serial within a stream, but independent streams, like the blocks of an upload, are not).
/// Equal lengths keep every lane busy; any lengths are correct. `states` and `bytes` have the
/// same size; no state may appear twice.
void Md5UpdateLanes(std::span<Md5State* const> states, std::span<const std::string_view> bytes);

/// As Md5UpdateLanes, with a given implementation (tests compare them). Throws core::Error
/// (kInvalidArgument) when the CPU lacks it.
void Md5UpdateLanesWith(Md5Lanes lanes, std::span<Md5State* const> states,
                        std::span<const std::string_view> bytes);

}  // namespace cerulean::crypto
