#include "crypto/md5_lanes.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#define CERULEAN_MD5_X86 1
#else
#define CERULEAN_MD5_X86 0
#endif

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/error.hpp"

namespace cerulean::crypto {

// What the lane code needs of Md5State.
struct Md5StateAccess {
    static std::array<std::uint32_t, 4>& Abcd(Md5State& s) { return s.abcd_; }
    static std::uint64_t& Length(Md5State& s) { return s.length_; }
    static std::array<unsigned char, 64>& Pending(Md5State& s) { return s.pending_; }
    static std::size_t& PendingSize(Md5State& s) { return s.pending_size_; }
};

namespace {

constexpr std::size_t kBlock = 64;
constexpr std::size_t kWidth = 8;   // lanes of one 256-bit register
constexpr std::size_t kNarrow = 4;  // lanes of one 128-bit register

constexpr std::array<std::uint32_t, 64> kK = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

std::uint32_t Load32(const unsigned char* p) {
    std::uint32_t w = 0;
    std::memcpy(&w, p, 4);  // x86 is little-endian, as MD5 is
    return w;
}

std::uint32_t Rol(std::uint32_t x, int s) {
    return (x << s) | (x >> (32 - s));
}

// clang-format off
// The 64 steps, in the order of RFC 1321: function, message word, shift. STEPS(X) expands X once
// per step with (round function, a, b, c, d, message word, constant index, shift).
#define CERULEAN_MD5_ROUND1(X)                                                                \
    X(F, a, b, c, d, 0, 0, 7) X(F, d, a, b, c, 1, 1, 12) X(F, c, d, a, b, 2, 2, 17)           \
    X(F, b, c, d, a, 3, 3, 22) X(F, a, b, c, d, 4, 4, 7) X(F, d, a, b, c, 5, 5, 12)           \
    X(F, c, d, a, b, 6, 6, 17) X(F, b, c, d, a, 7, 7, 22) X(F, a, b, c, d, 8, 8, 7)           \
    X(F, d, a, b, c, 9, 9, 12) X(F, c, d, a, b, 10, 10, 17) X(F, b, c, d, a, 11, 11, 22)      \
    X(F, a, b, c, d, 12, 12, 7) X(F, d, a, b, c, 13, 13, 12) X(F, c, d, a, b, 14, 14, 17)     \
    X(F, b, c, d, a, 15, 15, 22)
#define CERULEAN_MD5_ROUND2(X)                                                                \
    X(G, a, b, c, d, 1, 16, 5) X(G, d, a, b, c, 6, 17, 9) X(G, c, d, a, b, 11, 18, 14)        \
    X(G, b, c, d, a, 0, 19, 20) X(G, a, b, c, d, 5, 20, 5) X(G, d, a, b, c, 10, 21, 9)        \
    X(G, c, d, a, b, 15, 22, 14) X(G, b, c, d, a, 4, 23, 20) X(G, a, b, c, d, 9, 24, 5)       \
    X(G, d, a, b, c, 14, 25, 9) X(G, c, d, a, b, 3, 26, 14) X(G, b, c, d, a, 8, 27, 20)       \
    X(G, a, b, c, d, 13, 28, 5) X(G, d, a, b, c, 2, 29, 9) X(G, c, d, a, b, 7, 30, 14)        \
    X(G, b, c, d, a, 12, 31, 20)
#define CERULEAN_MD5_ROUND3(X)                                                                \
    X(H, a, b, c, d, 5, 32, 4) X(H, d, a, b, c, 8, 33, 11) X(H, c, d, a, b, 11, 34, 16)       \
    X(H, b, c, d, a, 14, 35, 23) X(H, a, b, c, d, 1, 36, 4) X(H, d, a, b, c, 4, 37, 11)       \
    X(H, c, d, a, b, 7, 38, 16) X(H, b, c, d, a, 10, 39, 23) X(H, a, b, c, d, 13, 40, 4)      \
    X(H, d, a, b, c, 0, 41, 11) X(H, c, d, a, b, 3, 42, 16) X(H, b, c, d, a, 6, 43, 23)       \
    X(H, a, b, c, d, 9, 44, 4) X(H, d, a, b, c, 12, 45, 11) X(H, c, d, a, b, 15, 46, 16)      \
    X(H, b, c, d, a, 2, 47, 23)
#define CERULEAN_MD5_ROUND4(X)                                                                \
    X(I, a, b, c, d, 0, 48, 6) X(I, d, a, b, c, 7, 49, 10) X(I, c, d, a, b, 14, 50, 15)       \
    X(I, b, c, d, a, 5, 51, 21) X(I, a, b, c, d, 12, 52, 6) X(I, d, a, b, c, 3, 53, 10)       \
    X(I, c, d, a, b, 10, 54, 15) X(I, b, c, d, a, 1, 55, 21) X(I, a, b, c, d, 8, 56, 6)       \
    X(I, d, a, b, c, 15, 57, 10) X(I, c, d, a, b, 6, 58, 15) X(I, b, c, d, a, 13, 59, 21)     \
    X(I, a, b, c, d, 4, 60, 6) X(I, d, a, b, c, 11, 61, 10) X(I, c, d, a, b, 2, 62, 15)       \
    X(I, b, c, d, a, 9, 63, 21)
#define CERULEAN_MD5_STEPS(X) \
    CERULEAN_MD5_ROUND1(X) CERULEAN_MD5_ROUND2(X) CERULEAN_MD5_ROUND3(X) CERULEAN_MD5_ROUND4(X)
// clang-format on

// The round functions of RFC 1321, for one register or bitwise over any three.
constexpr std::uint32_t FnF(std::uint32_t b, std::uint32_t c, std::uint32_t d) {
    return d ^ (b & (c ^ d));
}
constexpr std::uint32_t FnG(std::uint32_t b, std::uint32_t c, std::uint32_t d) {
    return c ^ (d & (b ^ c));
}
constexpr std::uint32_t FnH(std::uint32_t b, std::uint32_t c, std::uint32_t d) {
    return b ^ c ^ d;
}
constexpr std::uint32_t FnI(std::uint32_t b, std::uint32_t c, std::uint32_t d) {
    return c ^ (b | ~d);
}

// One stream in general-purpose registers. Within a block, a step's critical path runs through
// b, the previous step's result: f(b, c, d), the add, the rotation, the add of b. So the message
// word and constant go into `a` first, while b is still being computed, and G is taken as
// (c & ~d) + (b & d) (the halves share no bit, so + is |) so that only one AND waits for b.
void ScalarCompress(std::array<std::uint32_t, 4>& abcd, const unsigned char* data,
                    std::size_t blocks) {
    auto F = [](std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
        return a + FnF(b, c, d);
    };
    auto G = [](std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
        return a + (c & ~d) + (b & d);
    };
    auto H = [](std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
        return a + FnH(b, c, d);
    };
    auto I = [](std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
        return a + FnI(b, c, d);
    };
    std::uint32_t a = abcd[0];
    std::uint32_t b = abcd[1];
    std::uint32_t c = abcd[2];
    std::uint32_t d = abcd[3];
    for (std::size_t n = 0; n < blocks; ++n, data += kBlock) {
        std::array<std::uint32_t, 16> m{};
        for (std::size_t j = 0; j < 16; ++j) m[j] = Load32(data + 4 * j);
        const std::uint32_t a0 = a;
        const std::uint32_t b0 = b;
        const std::uint32_t c0 = c;
        const std::uint32_t d0 = d;
#define CERULEAN_MD5_SCALAR_STEP(fn, a, b, c, d, g, i, s) \
    a += m[g] + kK[i];                                    \
    a = b + Rol(fn(a, b, c, d), s);
        CERULEAN_MD5_STEPS(CERULEAN_MD5_SCALAR_STEP)
#undef CERULEAN_MD5_SCALAR_STEP
        a += a0;
        b += b0;
        c += c0;
        d += d0;
    }
    abcd = {a, b, c, d};
}

#if CERULEAN_MD5_X86
// vpternlogd's immediate for a round function taking its operands as (d, c, b): its truth table,
// read off by applying it bitwise to the operands' columns of the table (0xF0, 0xCC, 0xAA).
template <std::uint32_t (*fn)(std::uint32_t, std::uint32_t, std::uint32_t)>
constexpr int kTernary = static_cast<int>(fn(0xAA, 0xCC, 0xF0) & 0xFF);

// Keeps the compiler from looking into `x`: without it GCC 12 reassociates the sum so that X + K
// is added after f, two adds on the critical path instead of one (5 cycles a step, not 4).
#define CERULEAN_MD5_OPAQUE(x) asm("" : "+v"(x))

// clang-format off
// The whole step in lane 0 of xmm registers (the other lanes compute copies, unused): a + X + K
// while b is still on its way, then f in one vpternlogd, the add, one vprold and the add of b.
// vpternlogd overwrites its first operand, which is d, the oldest, so that the copy the compiler
// makes to keep it is not on the critical path.
#define CERULEAN_MD5_SINGLE_STEP(fn, a, b, c, d, g, i, s)                                       \
    a = _mm_add_epi32(a, _mm_set1_epi32(static_cast<int>(Load32(data + 4 * (g)))));              \
    a = _mm_add_epi32(a, _mm_set1_epi32(static_cast<int>(kK[i])));                              \
    CERULEAN_MD5_OPAQUE(a);                                                                      \
    a = _mm_add_epi32(a, _mm_ternarylogic_epi32(d, c, b, kTernary<Fn##fn>));                     \
    a = _mm_add_epi32(b, _mm_rol_epi32(a, s));
// clang-format on

// One stream, for latency. Per step the critical path (through b) is four single-cycle
// instructions, where general-purpose registers need five in rounds 1 and 4 (f is two deep
// after b there) and OpenSSL's assembly about 4.6 on average on this kind of CPU.
__attribute__((target("avx2,avx512f,avx512vl"))) void Avx512Compress(
    std::array<std::uint32_t, 4>& abcd, const unsigned char* data, std::size_t blocks) {
    __m128i a = _mm_cvtsi32_si128(static_cast<int>(abcd[0]));
    __m128i b = _mm_cvtsi32_si128(static_cast<int>(abcd[1]));
    __m128i c = _mm_cvtsi32_si128(static_cast<int>(abcd[2]));
    __m128i d = _mm_cvtsi32_si128(static_cast<int>(abcd[3]));
    for (std::size_t n = 0; n < blocks; ++n, data += kBlock) {
        const __m128i a0 = a;
        const __m128i b0 = b;
        const __m128i c0 = c;
        const __m128i d0 = d;
        CERULEAN_MD5_STEPS(CERULEAN_MD5_SINGLE_STEP)
        a = _mm_add_epi32(a, a0);
        b = _mm_add_epi32(b, b0);
        c = _mm_add_epi32(c, c0);
        d = _mm_add_epi32(d, d0);
    }
    abcd = {static_cast<std::uint32_t>(_mm_cvtsi128_si32(a)),
            static_cast<std::uint32_t>(_mm_cvtsi128_si32(b)),
            static_cast<std::uint32_t>(_mm_cvtsi128_si32(c)),
            static_cast<std::uint32_t>(_mm_cvtsi128_si32(d))};
}

#undef CERULEAN_MD5_SINGLE_STEP

// Lanes of one kernel call: each lane's state (a, b, c, d in rows) and its next bytes.
struct LaneBatch {
    alignas(32) std::uint32_t state[4][kWidth];
    const unsigned char* data[kWidth];
    std::size_t stride[kWidth];  // 64, or 0 for an idle lane reading a block of zeros
};

// The message words of block `n` of every lane, transposed: words[j][lane].
inline void Transpose(const LaneBatch& batch, std::size_t n, std::uint32_t (&words)[16][kWidth]) {
    for (std::size_t lane = 0; lane < kWidth; ++lane) {
        const unsigned char* p = batch.data[lane] + n * batch.stride[lane];
        for (std::size_t j = 0; j < 16; ++j) words[j][lane] = Load32(p + 4 * j);
    }
}

// clang-format off
#define CERULEAN_MD5_VECTOR_STEP(fn, a, b, c, d, g, i, s)                                    \
    a = ADD(b, ROL(ADD(ADD(a, ADD(_mm256_load_si256(reinterpret_cast<const __m256i*>(words[g])), \
                                  _mm256_set1_epi32(static_cast<int>(kK[i])))),              \
                       fn(b, c, d)),                                                         \
                   s));

#define CERULEAN_MD5_VECTOR_KERNEL                                                           \
    __m256i a = _mm256_load_si256(reinterpret_cast<const __m256i*>(batch.state[0]));         \
    __m256i b = _mm256_load_si256(reinterpret_cast<const __m256i*>(batch.state[1]));         \
    __m256i c = _mm256_load_si256(reinterpret_cast<const __m256i*>(batch.state[2]));         \
    __m256i d = _mm256_load_si256(reinterpret_cast<const __m256i*>(batch.state[3]));         \
    alignas(32) std::uint32_t words[16][kWidth];                                             \
    for (std::size_t n = 0; n < blocks; ++n) {                                               \
        Transpose(batch, n, words);                                                          \
        const __m256i a0 = a;                                                                \
        const __m256i b0 = b;                                                                \
        const __m256i c0 = c;                                                                \
        const __m256i d0 = d;                                                                \
        CERULEAN_MD5_STEPS(CERULEAN_MD5_VECTOR_STEP)                                         \
        a = ADD(a, a0);                                                                      \
        b = ADD(b, b0);                                                                      \
        c = ADD(c, c0);                                                                      \
        d = ADD(d, d0);                                                                      \
    }                                                                                        \
    _mm256_store_si256(reinterpret_cast<__m256i*>(batch.state[0]), a);                      \
    _mm256_store_si256(reinterpret_cast<__m256i*>(batch.state[1]), b);                      \
    _mm256_store_si256(reinterpret_cast<__m256i*>(batch.state[2]), c);                      \
    _mm256_store_si256(reinterpret_cast<__m256i*>(batch.state[3]), d);
// clang-format on

// AVX-512VL: one instruction per round function (vpternlogd) and per rotation (vprold), so a
// step's dependency chain is four single-cycle instructions.
__attribute__((target("avx2,avx512f,avx512vl"))) void Avx512Kernel(LaneBatch& batch,
                                                                   std::size_t blocks) {
#define ADD(x, y) _mm256_add_epi32(x, y)
#define ROL(x, s) _mm256_rol_epi32(x, s)
#define F(b, c, d) _mm256_ternarylogic_epi32(b, c, d, 0xCA)
#define G(b, c, d) _mm256_ternarylogic_epi32(b, c, d, 0xE4)
#define H(b, c, d) _mm256_ternarylogic_epi32(b, c, d, 0x96)
#define I(b, c, d) _mm256_ternarylogic_epi32(b, c, d, 0x39)
    CERULEAN_MD5_VECTOR_KERNEL
#undef ADD
#undef ROL
#undef F
#undef G
#undef H
#undef I
}

__attribute__((target("avx2"))) void Avx2Kernel(LaneBatch& batch, std::size_t blocks) {
    const __m256i ones = _mm256_set1_epi32(-1);
#define ADD(x, y) _mm256_add_epi32(x, y)
#define ROL(x, s) _mm256_or_si256(_mm256_slli_epi32(x, s), _mm256_srli_epi32(x, 32 - (s)))
#define F(b, c, d) _mm256_xor_si256(d, _mm256_and_si256(b, _mm256_xor_si256(c, d)))
#define G(b, c, d) _mm256_xor_si256(c, _mm256_and_si256(d, _mm256_xor_si256(b, c)))
#define H(b, c, d) _mm256_xor_si256(_mm256_xor_si256(b, c), d)
#define I(b, c, d) _mm256_xor_si256(c, _mm256_or_si256(b, _mm256_xor_si256(d, ones)))
    CERULEAN_MD5_VECTOR_KERNEL
#undef ADD
#undef ROL
#undef F
#undef G
#undef H
#undef I
}

#undef CERULEAN_MD5_VECTOR_KERNEL
#undef CERULEAN_MD5_VECTOR_STEP

// clang-format off
// Avx512Compress's step on all four lanes of xmm registers, one stream a lane: the same chain of
// four single-cycle instructions through b, so each stream goes nearly as fast as one alone.
#define CERULEAN_MD5_NARROW_STEP(fn, a, b, c, d, g, i, s)                                       \
    a = _mm_add_epi32(a, words[g]);                                                              \
    a = _mm_add_epi32(a, _mm_set1_epi32(static_cast<int>(kK[i])));                              \
    CERULEAN_MD5_OPAQUE(a);                                                                      \
    a = _mm_add_epi32(a, _mm_ternarylogic_epi32(d, c, b, kTernary<Fn##fn>));                     \
    a = _mm_add_epi32(b, _mm_rol_epi32(a, s));
// clang-format on

// Lanes 0 to kNarrow - 1 of `batch` (the rest are ignored), for two to four streams. The 8-lane
// kernel costs as much per block with two streams as with eight, and its lanes go at about 600
// MB/s each here; in these lanes each stream goes at about 950, as fast as Avx512Compress alone,
// since a step is bound by its latency and four lanes cost no more of it than one (bench/md5).
__attribute__((target("avx2,avx512f,avx512vl"))) void Avx512NarrowKernel(LaneBatch& batch,
                                                                         std::size_t blocks) {
    __m128i a = _mm_load_si128(reinterpret_cast<const __m128i*>(batch.state[0]));
    __m128i b = _mm_load_si128(reinterpret_cast<const __m128i*>(batch.state[1]));
    __m128i c = _mm_load_si128(reinterpret_cast<const __m128i*>(batch.state[2]));
    __m128i d = _mm_load_si128(reinterpret_cast<const __m128i*>(batch.state[3]));
    for (std::size_t n = 0; n < blocks; ++n) {
        const unsigned char* p[kNarrow];
        for (std::size_t lane = 0; lane < kNarrow; ++lane) {
            p[lane] = batch.data[lane] + n * batch.stride[lane];
        }
        __m128i words[16];
        // The lanes' words gathered one by one, four loads and three inserts a word, off the
        // chain. Measured against a 4x4 transpose per 16 bytes and against vpgatherqd: as fast
        // as the transpose on cached data, faster with two streams of 8 MiB (about 5%), a few
        // percent slower with four; the gather is slower than both.
        for (std::size_t j = 0; j < 16; ++j) {
            __m128i w = _mm_cvtsi32_si128(static_cast<int>(Load32(p[0] + 4 * j)));
            w = _mm_insert_epi32(w, static_cast<int>(Load32(p[1] + 4 * j)), 1);
            w = _mm_insert_epi32(w, static_cast<int>(Load32(p[2] + 4 * j)), 2);
            w = _mm_insert_epi32(w, static_cast<int>(Load32(p[3] + 4 * j)), 3);
            words[j] = w;
        }
        const __m128i a0 = a;
        const __m128i b0 = b;
        const __m128i c0 = c;
        const __m128i d0 = d;
        CERULEAN_MD5_STEPS(CERULEAN_MD5_NARROW_STEP)
        a = _mm_add_epi32(a, a0);
        b = _mm_add_epi32(b, b0);
        c = _mm_add_epi32(c, c0);
        d = _mm_add_epi32(d, d0);
    }
    _mm_store_si128(reinterpret_cast<__m128i*>(batch.state[0]), a);
    _mm_store_si128(reinterpret_cast<__m128i*>(batch.state[1]), b);
    _mm_store_si128(reinterpret_cast<__m128i*>(batch.state[2]), c);
    _mm_store_si128(reinterpret_cast<__m128i*>(batch.state[3]), d);
}

#undef CERULEAN_MD5_NARROW_STEP
#undef CERULEAN_MD5_OPAQUE
#endif  // CERULEAN_MD5_X86

bool CpuHas(const char* feature) {
#if !CERULEAN_MD5_X86
    (void)feature;
    return false;
#else
    __builtin_cpu_init();
    if (std::strcmp(feature, "avx512vl") == 0) {
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
    }
    return __builtin_cpu_supports("avx2");
#endif
}

Md5Lanes Resolve(Md5Lanes lanes) {
    if (lanes == Md5Lanes::kAuto) return Md5LanesBest();
    if (!Md5LanesAvailable(lanes)) {
        throw core::Error(core::ErrorCode::kInvalidArgument,
                          "this CPU cannot run the requested MD5 lanes");
    }
    return lanes;
}

Md5Single Resolve(Md5Single single) {
    if (single == Md5Single::kAuto) return Md5SingleBest();
    if (!Md5SingleAvailable(single)) {
        throw core::Error(core::ErrorCode::kInvalidArgument,
                          "this CPU cannot run the requested MD5 implementation");
    }
    return single;
}

// Whole blocks of input, for a kernel.
struct Blocks {
    const unsigned char* data;
    std::size_t count;
};

// Adds `in` to `s` but for its whole blocks, which it returns for the caller to compress next
// (alone or in lanes): it completes and compresses the pending block first (one block: scalar
// code), and keeps the bytes past the last whole block as the new pending ones.
Blocks Absorb(Md5State& s, std::string_view in) {
    using A = Md5StateAccess;
    A::Length(s) += in.size();
    std::size_t& pending = A::PendingSize(s);
    if (pending > 0) {
        const std::size_t take = std::min(kBlock - pending, in.size());
        std::memcpy(A::Pending(s).data() + pending, in.data(), take);
        pending += take;
        in.remove_prefix(take);
        if (pending < kBlock) return {nullptr, 0};
        ScalarCompress(A::Abcd(s), A::Pending(s).data(), 1);
        pending = 0;
    }
    const std::size_t blocks = in.size() / kBlock;
    const std::size_t tail = in.size() % kBlock;
    std::memcpy(A::Pending(s).data(), in.data() + blocks * kBlock, tail);
    pending = tail;
    return {reinterpret_cast<const unsigned char*>(in.data()), blocks};
}

void CompressSingle(Md5Single single, std::array<std::uint32_t, 4>& abcd, Blocks blocks) {
    if (blocks.count == 0) return;
#if CERULEAN_MD5_X86
    if (single == Md5Single::kAvx512) {
        Avx512Compress(abcd, blocks.data, blocks.count);
        return;
    }
#endif
    (void)single;
    ScalarCompress(abcd, blocks.data, blocks.count);
}

}  // namespace

bool Md5SingleAvailable(Md5Single single) noexcept {
    switch (single) {
        case Md5Single::kAuto:
        case Md5Single::kScalar:
            return true;
        case Md5Single::kAvx512:
            return CpuHas("avx512vl");
    }
    return false;
}

Md5Single Md5SingleBest() noexcept {
    static const Md5Single best =
        Md5SingleAvailable(Md5Single::kAvx512) ? Md5Single::kAvx512 : Md5Single::kScalar;
    return best;
}

void Md5UpdateWith(Md5Single single, Md5State& state, std::string_view bytes) {
    single = Resolve(single);
    CompressSingle(single, Md5StateAccess::Abcd(state), Absorb(state, bytes));
}

bool Md5LanesAvailable(Md5Lanes lanes) noexcept {
    switch (lanes) {
        case Md5Lanes::kAuto:
        case Md5Lanes::kScalar:
            return true;
        case Md5Lanes::kAvx2:
            return CpuHas("avx2");
        case Md5Lanes::kAvx512:
            return CpuHas("avx512vl");
    }
    return false;
}

Md5Lanes Md5LanesBest() noexcept {
    static const Md5Lanes best = [] {
        if (Md5LanesAvailable(Md5Lanes::kAvx512)) return Md5Lanes::kAvx512;
        if (Md5LanesAvailable(Md5Lanes::kAvx2)) return Md5Lanes::kAvx2;
        return Md5Lanes::kScalar;
    }();
    return best;
}

void Md5State::Update(std::string_view bytes) {
    Md5UpdateWith(Md5Single::kAuto, *this, bytes);
}

std::string Md5State::Finish() {
    const std::uint64_t bits = length_ * 8;
    std::array<unsigned char, 2 * kBlock> tail{};
    std::memcpy(tail.data(), pending_.data(), pending_size_);
    tail[pending_size_] = 0x80;
    const std::size_t total = pending_size_ + 1 + 8 <= kBlock ? kBlock : 2 * kBlock;
    for (std::size_t i = 0; i < 8; ++i) {
        tail[total - 8 + i] = static_cast<unsigned char>(bits >> (8 * i));
    }
    ScalarCompress(abcd_, tail.data(), total / kBlock);
    std::string out(16, '\0');
    for (std::size_t i = 0; i < 4; ++i) {
        for (std::size_t j = 0; j < 4; ++j) {
            out[4 * i + j] = static_cast<char>(abcd_[i] >> (8 * j));
        }
    }
    pending_size_ = 0;
    length_ = 0;
    return out;
}

void Md5UpdateLanes(std::span<Md5State* const> states, std::span<const std::string_view> bytes) {
    Md5UpdateLanesWith(Md5Lanes::kAuto, states, bytes);
}

void Md5UpdateLanesWith(Md5Lanes lanes, std::span<Md5State* const> states,
                        std::span<const std::string_view> bytes) {
    if (states.size() != bytes.size()) {
        throw core::Error(core::ErrorCode::kInvalidArgument, "one byte string per MD5 state");
    }
    lanes = Resolve(lanes);
    using A = Md5StateAccess;
    // Complete each state's pending block first; what is left is whole blocks, then a tail.
    struct Stream {
        Md5State* state;
        const unsigned char* data;
        std::size_t blocks;
    };
    std::vector<Stream> streams;
    streams.reserve(states.size());
    for (std::size_t i = 0; i < states.size(); ++i) {
        const Blocks blocks = Absorb(*states[i], bytes[i]);
        if (blocks.count > 0) streams.push_back({states[i], blocks.data, blocks.count});
    }

    if (lanes == Md5Lanes::kScalar || !CERULEAN_MD5_X86) {
        for (const Stream& stream : streams) {
            ScalarCompress(A::Abcd(*stream.state), stream.data, stream.blocks);
        }
        return;
    }
#if CERULEAN_MD5_X86
    // Up to eight streams per kernel call, for as many blocks as the shortest has left; a
    // stream that ends frees its lane for the next one.
    static constexpr unsigned char kZeros[kBlock] = {};
    std::size_t next = 0;
    std::vector<Stream*> active;
    for (;;) {
        active.erase(std::remove_if(active.begin(), active.end(),
                                    [](const Stream* s) { return s->blocks == 0; }),
                     active.end());
        while (active.size() < kWidth && next < streams.size()) active.push_back(&streams[next++]);
        if (active.empty()) break;
        // A stream left alone goes faster by itself than in one lane of eight: the latency of
        // its steps bounds it either way, and the lane kernels' steps are longer. The AVX2
        // lanes keep to scalar code, so that they need nothing more of the CPU. Two to four
        // streams, likewise, go to the narrow AVX-512 kernel below.
        if (active.size() == 1 && next == streams.size()) {
            const Stream& alone = *active.front();
            CompressSingle(lanes == Md5Lanes::kAvx512 ? Md5Single::kAvx512 : Md5Single::kScalar,
                           A::Abcd(*alone.state), {alone.data, alone.blocks});
            break;
        }
        LaneBatch batch{};
        std::size_t blocks = active.front()->blocks;
        for (std::size_t lane = 0; lane < kWidth; ++lane) {
            if (lane < active.size()) {
                const auto& abcd = A::Abcd(*active[lane]->state);
                for (std::size_t r = 0; r < 4; ++r) batch.state[r][lane] = abcd[r];
                batch.data[lane] = active[lane]->data;
                batch.stride[lane] = kBlock;
                blocks = std::min(blocks, active[lane]->blocks);
            } else {
                batch.data[lane] = kZeros;
                batch.stride[lane] = 0;
            }
        }
        if (lanes == Md5Lanes::kAvx512 && active.size() <= kNarrow) {
            Avx512NarrowKernel(batch, blocks);
        } else if (lanes == Md5Lanes::kAvx512) {
            Avx512Kernel(batch, blocks);
        } else {
            Avx2Kernel(batch, blocks);
        }
        for (std::size_t lane = 0; lane < active.size(); ++lane) {
            auto& abcd = A::Abcd(*active[lane]->state);
            for (std::size_t r = 0; r < 4; ++r) abcd[r] = batch.state[r][lane];
            active[lane]->data += blocks * kBlock;
            active[lane]->blocks -= blocks;
        }
    }
#endif  // CERULEAN_MD5_X86
}

}  // namespace cerulean::crypto
