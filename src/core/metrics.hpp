#pragma once

// Process-wide metrics in the Prometheus text exposition format (version 0.0.4): counters,
// gauges and histograms with fixed buckets. Recording is a few relaxed atomic operations; a
// labelled series is looked up once (a mutex and a map) and the reference kept by whoever
// records into it, so the request path never builds a string or takes a lock.

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cerulean::core::metrics {

/// A count that only goes up.
class Counter {
 public:
    /// Adds `n`.
    void Add(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    /// The count so far.
    [[nodiscard]] std::uint64_t value() const noexcept {
        return value_.load(std::memory_order_relaxed);
    }

 private:
    std::atomic<std::uint64_t> value_{0};
};

/// A value that goes up and down.
class Gauge {
 public:
    /// Sets the value.
    void Set(double value) noexcept { value_.store(value, std::memory_order_relaxed); }
    /// Adds `delta` (negative to subtract).
    void Add(double delta) noexcept { value_.fetch_add(delta, std::memory_order_relaxed); }
    /// The value.
    [[nodiscard]] double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
    std::atomic<double> value_{0.0};
};

/// Observations counted into fixed buckets (upper bounds, inclusive, as Prometheus's `le`),
/// with their sum.
class Histogram {
 public:
    /// A histogram over ascending, finite `bounds` (a +Inf bucket is implied).
    explicit Histogram(std::span<const double> bounds);

    /// Counts `value` into its bucket and adds it to the sum.
    void Observe(double value) noexcept;

    /// What Observe has counted, read at one moment per bucket.
    struct Snapshot {
        std::vector<std::uint64_t> cumulative;  ///< per bound, then +Inf: observations <= it
        std::uint64_t count = 0;                ///< every observation (the +Inf bucket)
        double sum = 0;                         ///< the sum of the observations
    };
    /// The counts so far, cumulative as the exposition format wants them.
    [[nodiscard]] Snapshot Read() const;
    /// The upper bounds.
    [[nodiscard]] const std::vector<double>& bounds() const noexcept { return bounds_; }

 private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // per bucket, not cumulative
    std::atomic<double> sum_{0.0};
};

/// Bucket bounds, in seconds, for request latencies: 0.5 ms to 60 s.
std::span<const double> LatencyBuckets() noexcept;

/// What a family holds.
enum class Type { kCounter, kGauge, kHistogram };

/// The series of one metric name, one per set of label values. Thread-safe; a series once
/// made lives as long as the registry, so callers keep the reference.
template <class T>
class Family {
 public:
    /// The series with these label values (as many as the family's label names, in order),
    /// made on first use. Costs a lock and a map lookup: call it once and keep the reference.
    /// Throws std::invalid_argument when the number of values is wrong.
    T& WithLabels(std::initializer_list<std::string_view> values);
    /// The series with these label values (see the other overload).
    T& WithLabels(std::span<const std::string> values);
    /// The series of a family without labels.
    T& Get() { return WithLabels(std::initializer_list<std::string_view>{}); }

    /// The metric name.
    [[nodiscard]] const std::string& name() const noexcept { return name_; }

 private:
    friend class Registry;
    Family(std::string name, std::string help, Type type, std::vector<std::string> labels,
           std::vector<double> bounds);
    T& Find(std::vector<std::string> key);
    void Render(std::string& out) const;

    std::string name_;
    std::string help_;
    Type type_;
    std::vector<std::string> labels_;
    std::vector<double> bounds_;  // histograms only
    mutable std::mutex mutex_;
    std::map<std::vector<std::string>, std::unique_ptr<T>> series_;
};

/// A set of families, rendered together. Thread-safe.
class Registry {
 public:
    Registry();
    ~Registry();
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    /// The counter family `name` (registered on first call; later calls with the same name
    /// return it). Throws std::invalid_argument for an invalid name or label name, or when
    /// the name is registered already with another type or other labels.
    Family<Counter>& AddCounter(std::string_view name, std::string_view help,
                                std::initializer_list<std::string_view> labels = {});
    /// The gauge family `name` (see AddCounter).
    Family<Gauge>& AddGauge(std::string_view name, std::string_view help,
                            std::initializer_list<std::string_view> labels = {});
    /// The histogram family `name` with bucket `bounds` (see AddCounter; `le` is reserved).
    Family<Histogram>& AddHistogram(std::string_view name, std::string_view help,
                                    std::span<const double> bounds,
                                    std::initializer_list<std::string_view> labels = {});

    /// Every family in registration order, each series sorted by its label values, in the
    /// text exposition format 0.0.4.
    [[nodiscard]] std::string Render() const;

 private:
    struct Entry;
    template <class T>
    Family<T>& Add(std::string_view name, std::string_view help, Type type,
                   std::initializer_list<std::string_view> labels, std::span<const double> bounds);

    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<Entry>> entries_;
};

/// The process's registry, which GET /metrics renders.
Registry& DefaultRegistry();

/// The content type of Registry::Render's text.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

/// A label value as the text format writes it inside quotes: `\`, `"` and newlines escaped.
std::string EscapeLabelValue(std::string_view value);
/// A HELP text as the text format writes it: `\` and newlines escaped.
std::string EscapeHelp(std::string_view help);
/// A sample value: integers without a fraction, "+Inf", "-Inf", "NaN", else the shortest
/// text that reads back as the same double.
std::string FormatValue(double value);

}  // namespace cerulean::core::metrics
