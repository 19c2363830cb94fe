#pragma once

namespace cerulean::crypto {

/// Initialises libsodium exactly once per process, from any thread; later calls are free.
/// Throws core::Error (kInternal) when libsodium cannot initialise (no entropy source).
void EnsureSodiumInitialized();

}  // namespace cerulean::crypto
