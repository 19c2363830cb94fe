#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace cerulean::api {

/// Reads the fields of a JSON request object by name, collecting every problem (wrong types,
/// missing fields, and fields nobody read: typos must not be silently ignored), then throws
/// them together as one 422 from Finish().
class JsonFields {
 public:
    /// Fields of `object`, reported under `prefix` (e.g. "credentials.").
    JsonFields(const boost::json::object& object, std::string prefix = {});

    /// Whether the request has `key` at all (null counts as present).
    [[nodiscard]] bool Has(std::string_view key) const { return object_.contains(key); }
    /// A string field: nullopt when absent (or null when `null_ok`); a problem when required
    /// and absent, or not a string.
    std::optional<std::string> String(std::string_view key, bool required = false);
    /// A field that may be absent, null (clear it) or a string: for partial updates.
    std::optional<std::optional<std::string>> NullableString(std::string_view key);
    /// A boolean field.
    std::optional<bool> Bool(std::string_view key, bool required = false);
    /// An integer field.
    std::optional<std::int64_t> Int(std::string_view key, bool required = false);
    /// An object field whose values must all be strings (e.g. credentials).
    std::optional<std::map<std::string, std::string>> StringMap(std::string_view key,
                                                                bool required = false);
    /// An object field to read with a JsonFields of its own: nullptr when absent or null (a
    /// problem when it is something else).
    const boost::json::object* Object(std::string_view key);
    /// An object field, absent, null or an object, as compact JSON text.
    std::optional<std::optional<std::string>> NullableObjectText(std::string_view key);
    /// Records a problem with a field.
    void Problem(std::string_view key, std::string message);
    /// Throws core::Error (kInvalidArgument, "validation_error") listing every problem and
    /// every unread field; returns when there is none.
    void Finish();

 private:
    const boost::json::value* Take(std::string_view key);

    const boost::json::object& object_;
    std::string prefix_;
    std::set<std::string, std::less<>> read_;
    core::Error error_{core::ErrorCode::kInvalidArgument, "the request is invalid",
                       "validation_error"};
};

}  // namespace cerulean::api
