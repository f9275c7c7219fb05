#pragma once
// The device's trust list read from a file the user names (`connect --ca`,
// a scenario's external server): the bytes Mbed TLS's
// mbedtls_x509_crt_parse takes, PEM with its terminating NUL or DER as it is.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

namespace shakedown::device {

// Nullopt when the file cannot be read.
std::optional<std::vector<uint8_t>> read_trust_file(const std::filesystem::path& path);

}  // namespace shakedown::device
