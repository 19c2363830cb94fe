#include "api/json_fields.hpp"

#include <boost/json.hpp>

namespace cerulean::api {

JsonFields::JsonFields(const boost::json::object& object, std::string prefix)
    : object_(object), prefix_(std::move(prefix)) {}

const boost::json::value* JsonFields::Take(std::string_view key) {
    read_.insert(std::string(key));
    return object_.if_contains(key);
}

void JsonFields::Problem(std::string_view key, std::string message) {
    error_.WithField(prefix_ + std::string(key), std::move(message));
}

std::optional<std::string> JsonFields::String(std::string_view key, bool required) {
    const auto* value = Take(key);
    if (value == nullptr || value->is_null()) {
        if (required) Problem(key, "is required");
        return std::nullopt;
    }
    if (!value->is_string()) {
        Problem(key, "must be a string");
        return std::nullopt;
    }
    return std::string(value->as_string());
}

std::optional<std::optional<std::string>> JsonFields::NullableString(std::string_view key) {
    const auto* value = Take(key);
    if (value == nullptr) return std::nullopt;
    if (value->is_null()) return std::optional<std::string>();
    if (!value->is_string()) {
        Problem(key, "must be a string or null");
        return std::nullopt;
    }
    return std::optional<std::string>(std::string(value->as_string()));
}

const boost::json::object* JsonFields::Object(std::string_view key) {
    const auto* value = Take(key);
    if (value == nullptr || value->is_null()) return nullptr;
    if (!value->is_object()) {
        Problem(key, "must be an object or null");
        return nullptr;
    }
    return &value->as_object();
}

std::optional<bool> JsonFields::Bool(std::string_view key, bool required) {
    const auto* value = Take(key);
    if (value == nullptr || value->is_null()) {
        if (required) Problem(key, "is required");
        return std::nullopt;
    }
    if (!value->is_bool()) {
        Problem(key, "must be true or false");
        return std::nullopt;
    }
    return value->as_bool();
}

std::optional<std::int64_t> JsonFields::Int(std::string_view key, bool required) {
    const auto* value = Take(key);
    if (value == nullptr || value->is_null()) {
        if (required) Problem(key, "is required");
        return std::nullopt;
    }
    if (value->is_int64()) return value->as_int64();
    if (value->is_uint64() && value->as_uint64() <= INT64_MAX) {
        return static_cast<std::int64_t>(value->as_uint64());
    }
    Problem(key, "must be an integer");
    return std::nullopt;
}

std::optional<std::map<std::string, std::string>> JsonFields::StringMap(std::string_view key,
                                                                        bool required) {
    const auto* value = Take(key);
    if (value == nullptr || value->is_null()) {
        if (required) Problem(key, "is required");
        return std::nullopt;
    }
    if (!value->is_object()) {
        Problem(key, "must be an object");
        return std::nullopt;
    }
    std::map<std::string, std::string> out;
    bool ok = true;
    for (const auto& [name, field] : value->as_object()) {
        if (!field.is_string()) {
            Problem(std::string(key) + "." + std::string(name), "must be a string");
            ok = false;
            continue;
        }
        out[std::string(name)] = std::string(field.as_string());
    }
    if (!ok) return std::nullopt;
    return out;
}

std::optional<std::optional<std::string>> JsonFields::NullableObjectText(std::string_view key) {
    const auto* value = Take(key);
    if (value == nullptr) return std::nullopt;
    if (value->is_null()) return std::optional<std::string>();
    if (!value->is_object()) {
        Problem(key, "must be an object or null");
        return std::nullopt;
    }
    return std::optional<std::string>(boost::json::serialize(*value));
}

void JsonFields::Finish() {
    for (const auto& [name, value] : object_) {
        if (read_.count(std::string_view(name)) == 0) {
            Problem(name, "is not a known field");
        }
    }
    if (error_.field_errors().empty()) return;
    const auto& first = error_.field_errors().front();
    core::Error error(core::ErrorCode::kInvalidArgument, first.field + " " + first.message,
                      "validation_error");
    for (const auto& field : error_.field_errors()) error.WithField(field.field, field.message);
    throw error;
}

}  // namespace cerulean::api
