#include "core/metrics.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <variant>

namespace cerulean::core::metrics {
namespace {

constexpr std::array<double, 16> kLatencyBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

bool IsNameStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool IsNameChar(char c) {
    return IsNameStart(c) || (c >= '0' && c <= '9');
}

void CheckMetricName(std::string_view name) {
    const bool ok =
        !name.empty() && (IsNameStart(name.front()) || name.front() == ':') &&
        std::all_of(name.begin(), name.end(), [](char c) { return IsNameChar(c) || c == ':'; });
    if (!ok) throw std::invalid_argument("invalid metric name: " + std::string(name));
}

void CheckLabelName(std::string_view name) {
    const bool ok = !name.empty() && IsNameStart(name.front()) && !name.starts_with("__") &&
                    std::all_of(name.begin(), name.end(), IsNameChar);
    if (!ok) throw std::invalid_argument("invalid label name: " + std::string(name));
}

const char* TypeName(Type type) {
    switch (type) {
        case Type::kCounter:
            return "counter";
        case Type::kGauge:
            return "gauge";
        case Type::kHistogram:
            return "histogram";
    }
    return "untyped";
}

// `name{a="x",b="y"[,le="…"]} value\n`
void AppendSample(std::string& out, std::string_view name, std::string_view suffix,
                  const std::vector<std::string>& labels, const std::vector<std::string>& values,
                  std::string_view le, std::string_view value) {
    out.append(name).append(suffix);
    if (!labels.empty() || !le.empty()) {
        out.push_back('{');
        for (std::size_t i = 0; i < labels.size(); ++i) {
            if (i > 0) out.push_back(',');
            out.append(labels[i]).append("=\"").append(EscapeLabelValue(values[i])).push_back('"');
        }
        if (!le.empty()) {
            if (!labels.empty()) out.push_back(',');
            out.append("le=\"").append(le).push_back('"');
        }
        out.push_back('}');
    }
    out.push_back(' ');
    out.append(value).push_back('\n');
}

template <class T>
std::unique_ptr<T> MakeSeries(const std::vector<double>& /*bounds*/) {
    return std::make_unique<T>();
}

template <>
std::unique_ptr<Histogram> MakeSeries<Histogram>(const std::vector<double>& bounds) {
    return std::make_unique<Histogram>(bounds);
}

}  // namespace

std::span<const double> LatencyBuckets() noexcept {
    return kLatencyBuckets;
}

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds.begin(), bounds.end()),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds.size() + 1)) {
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        if (!std::isfinite(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1])) {
            throw std::invalid_argument("histogram bounds must be finite and ascending");
        }
    }
}

void Histogram::Observe(double value) noexcept {
    // The first bound >= value (`le` is inclusive); NaN lands in +Inf.
    const std::size_t index =
        std::isnan(value)
            ? bounds_.size()
            : static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                                       bounds_.begin());
    counts_[index].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
    Snapshot snapshot;
    snapshot.cumulative.resize(bounds_.size() + 1);
    std::uint64_t running = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        running += counts_[i].load(std::memory_order_relaxed);
        snapshot.cumulative[i] = running;
    }
    snapshot.count = running;
    snapshot.sum = sum_.load(std::memory_order_relaxed);
    return snapshot;
}

std::string EscapeLabelValue(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        switch (c) {
            case '\\':
                out.append("\\\\");
                break;
            case '"':
                out.append("\\\"");
                break;
            case '\n':
                out.append("\\n");
                break;
            default:
                out.push_back(c);
        }
    }
    return out;
}

std::string EscapeHelp(std::string_view help) {
    std::string out;
    out.reserve(help.size());
    for (const char c : help) {
        if (c == '\\') {
            out.append("\\\\");
        } else if (c == '\n') {
            out.append("\\n");
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string FormatValue(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    std::array<char, 32> buffer{};
    if (value == std::trunc(value) && std::fabs(value) < 1e15) {
        const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(),
                                             static_cast<long long>(value));
        return {buffer.data(), end};
    }
    // Plain decimals where they stay short ("0.0005", not "5e-04"), exponents beyond.
    const double magnitude = std::fabs(value);
    const auto [end, ec] = magnitude >= 1e-6 && magnitude < 1e15
                               ? std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                               std::chars_format::fixed)
                               : std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    return {buffer.data(), end};
}

template <class T>
Family<T>::Family(std::string name, std::string help, Type type, std::vector<std::string> labels,
                  std::vector<double> bounds)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      labels_(std::move(labels)),
      bounds_(std::move(bounds)) {}

template <class T>
T& Family<T>::Find(std::vector<std::string> key) {
    if (key.size() != labels_.size()) {
        throw std::invalid_argument("metric " + name_ + " takes " + std::to_string(labels_.size()) +
                                    " label value(s)");
    }
    const std::lock_guard lock(mutex_);
    auto it = series_.find(key);
    if (it == series_.end()) it = series_.emplace(std::move(key), MakeSeries<T>(bounds_)).first;
    return *it->second;
}

template <class T>
T& Family<T>::WithLabels(std::initializer_list<std::string_view> values) {
    return Find(std::vector<std::string>(values.begin(), values.end()));
}

template <class T>
T& Family<T>::WithLabels(std::span<const std::string> values) {
    return Find(std::vector<std::string>(values.begin(), values.end()));
}

template <class T>
void Family<T>::Render(std::string& out) const {
    out.append("# HELP ").append(name_).push_back(' ');
    out.append(EscapeHelp(help_)).push_back('\n');
    out.append("# TYPE ").append(name_).push_back(' ');
    out.append(TypeName(type_)).push_back('\n');
    const std::lock_guard lock(mutex_);
    for (const auto& [values, series] : series_) {
        if constexpr (std::is_same_v<T, Counter>) {
            AppendSample(out, name_, "", labels_, values, "", std::to_string(series->value()));
        } else if constexpr (std::is_same_v<T, Gauge>) {
            AppendSample(out, name_, "", labels_, values, "", FormatValue(series->value()));
        } else {
            const Histogram::Snapshot snapshot = series->Read();
            for (std::size_t i = 0; i < bounds_.size(); ++i) {
                AppendSample(out, name_, "_bucket", labels_, values, FormatValue(bounds_[i]),
                             std::to_string(snapshot.cumulative[i]));
            }
            AppendSample(out, name_, "_bucket", labels_, values, "+Inf",
                         std::to_string(snapshot.count));
            AppendSample(out, name_, "_sum", labels_, values, "", FormatValue(snapshot.sum));
            AppendSample(out, name_, "_count", labels_, values, "", std::to_string(snapshot.count));
        }
    }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

struct Registry::Entry {
    std::variant<std::unique_ptr<Family<Counter>>, std::unique_ptr<Family<Gauge>>,
                 std::unique_ptr<Family<Histogram>>>
        family;
};

Registry::Registry() = default;
Registry::~Registry() = default;

template <class T>
Family<T>& Registry::Add(std::string_view name, std::string_view help, Type type,
                         std::initializer_list<std::string_view> labels,
                         std::span<const double> bounds) {
    CheckMetricName(name);
    std::vector<std::string> label_names;
    for (const auto label : labels) {
        CheckLabelName(label);
        if (type == Type::kHistogram && label == "le") {
            throw std::invalid_argument("a histogram's label may not be named le");
        }
        label_names.emplace_back(label);
    }
    const std::lock_guard lock(mutex_);
    for (const auto& entry : entries_) {
        const bool same_name =
            std::visit([&](const auto& f) { return f->name() == name; }, entry->family);
        if (!same_name) continue;
        auto* existing = std::get_if<std::unique_ptr<Family<T>>>(&entry->family);
        if (existing == nullptr || (*existing)->labels_ != label_names ||
            (*existing)->type_ != type) {
            throw std::invalid_argument("metric " + std::string(name) +
                                        " is registered already with another type or labels");
        }
        return **existing;
    }
    auto family = std::unique_ptr<Family<T>>(
        new Family<T>(std::string(name), std::string(help), type, std::move(label_names),
                      std::vector<double>(bounds.begin(), bounds.end())));
    Family<T>& ref = *family;
    entries_.push_back(std::make_unique<Entry>(Entry{std::move(family)}));
    return ref;
}

Family<Counter>& Registry::AddCounter(std::string_view name, std::string_view help,
                                      std::initializer_list<std::string_view> labels) {
    return Add<Counter>(name, help, Type::kCounter, labels, {});
}

Family<Gauge>& Registry::AddGauge(std::string_view name, std::string_view help,
                                  std::initializer_list<std::string_view> labels) {
    return Add<Gauge>(name, help, Type::kGauge, labels, {});
}

Family<Histogram>& Registry::AddHistogram(std::string_view name, std::string_view help,
                                          std::span<const double> bounds,
                                          std::initializer_list<std::string_view> labels) {
    // Checked here, before anything is registered.
    const Histogram check(bounds);
    return Add<Histogram>(name, help, Type::kHistogram, labels, bounds);
}

std::string Registry::Render() const {
    std::string out;
    out.reserve(16 * 1024);
    const std::lock_guard lock(mutex_);
    for (const auto& entry : entries_) {
        std::visit([&](const auto& family) { family->Render(out); }, entry->family);
    }
    return out;
}

Registry& DefaultRegistry() {
    static Registry registry;
    return registry;
}

}  // namespace cerulean::core::metrics
