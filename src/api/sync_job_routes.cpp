// /api/v1/azure_blob/connections/{id}/sync_jobs*: each user's sync jobs, their runs, dry runs
// and a live stream of a run's progress.

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "api/api_context.hpp"
#include "api/json.hpp"
#include "api/json_fields.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"

namespace cerulean::api {
namespace {

using http::Request;
using http::Response;
using http::Task;

constexpr std::string_view kBase = "/api/v1/azure_blob/connections/{id:int}/sync_jobs";

std::string Path(std::string_view suffix) {
    return std::string(kBase) + std::string(suffix);
}

boost::json::object ProgressJson(const core::RunProgress& p) {
    return {{"files_total", p.files_total},     {"files_done", p.files_done},
            {"files_skipped", p.files_skipped}, {"files_failed", p.files_failed},
            {"files_deleted", p.files_deleted}, {"bytes_total", p.bytes_total},
            {"bytes_done", p.bytes_done}};
}

boost::json::object RunJson(const core::SyncRun& run) {
    return {{"id", run.id},
            {"job_id", run.job_id},
            {"status", core::ToString(run.status)},
            {"progress", ProgressJson(run.progress)},
            {"error", OrNull(run.error_message)},
            {"error_code", OrNull(run.error_code)},
            {"trigger", core::ToString(run.trigger)},
            {"attempt", run.attempt},
            {"created_at", core::FormatRfc3339(run.created_at)},
            {"started_at", TimeOrNull(run.started_at)},
            {"finished_at", TimeOrNull(run.finished_at)}};
}

boost::json::object JobJson(const core::SyncJob& job) {
    const core::SyncJobSpec& spec = job.spec;
    boost::json::value target = nullptr;
    if (spec.direction == "copy") {
        target = boost::json::object{{"connection_id", OrNull(spec.target_connection_id)},
                                     {"container", OrNull(spec.target_container)},
                                     {"prefix", spec.target_prefix.value_or("")}};
    }
    const core::SyncRun* run = job.latest_run ? &*job.latest_run : nullptr;
    return {{"id", job.id},
            {"connection_id", job.connection_id},
            {"direction", spec.direction},
            {"container", spec.container},
            {"prefix", spec.prefix},
            {"local_path", OrNull(spec.local_path)},
            {"target", std::move(target)},
            {"delete_extraneous", spec.delete_extraneous},
            {"max_delete", OrNull(spec.max_delete)},
            {"compare", spec.compare},
            {"interval_seconds", OrNull(spec.interval_seconds)},
            {"status", run != nullptr ? core::ToString(run->status) : "queued"},
            {"progress", ProgressJson(run != nullptr ? run->progress : core::RunProgress{})},
            {"last_error", run != nullptr ? OrNull(run->error_message) : nullptr},
            {"last_error_code", run != nullptr ? OrNull(run->error_code) : nullptr},
            {"created_at", core::FormatRfc3339(job.created_at)},
            {"started_at", run != nullptr ? TimeOrNull(run->started_at) : nullptr},
            {"finished_at", run != nullptr ? TimeOrNull(run->finished_at) : nullptr},
            {"next_run_at", TimeOrNull(job.next_run_at)}};
}

boost::json::object PlanJson(const sync::SyncPlan& plan) {
    boost::json::array actions;
    actions.reserve(plan.actions.size());
    for (const auto& action : plan.actions) {
        actions.push_back({{"op", action.op}, {"path", action.path}, {"size", action.size}});
    }
    boost::json::value refused = nullptr;
    if (plan.deletes_refused) {
        refused = boost::json::object{
            {"code", plan.deletes_refused->reason().empty()
                         ? std::string(core::ToString(plan.deletes_refused->code()))
                         : plan.deletes_refused->reason()},
            {"detail", plan.deletes_refused->what()}};
    }
    return {{"copy", plan.copy},
            {"skip", plan.skip},
            {"delete", plan.remove},
            {"bytes", plan.bytes},
            {"hash_by_download", plan.hash_by_download},
            {"failed", plan.failed},
            {"actions", std::move(actions)},
            {"deletes_refused", std::move(refused)}};
}

// The fields of a SyncJobCreate body; unknown ones are refused.
jobs::SyncJobFields ReadFields(const boost::json::object& object) {
    JsonFields fields(object);
    jobs::SyncJobFields out;
    out.direction = fields.String("direction", true);
    out.container = fields.String("container", true);
    out.prefix = fields.String("prefix");
    out.local_path = fields.NullableString("local_path");
    out.delete_extraneous = fields.Bool("delete_extraneous");
    if (fields.Has("max_delete")) out.max_delete = fields.Int("max_delete");
    out.compare = fields.String("compare");
    if (fields.Has("interval_seconds")) out.interval_seconds = fields.Int("interval_seconds");
    if (const auto* target = fields.Object("target")) {
        JsonFields target_fields(*target, "target.");
        jobs::TargetFields t;
        t.connection_id = target_fields.Int("connection_id", true);
        t.container = target_fields.String("container", true);
        t.prefix = target_fields.String("prefix");
        fields.Finish();
        target_fields.Finish();
        out.target = std::optional<jobs::TargetFields>(std::move(t));
        return out;
    }
    if (fields.Has("target")) out.target = std::optional<jobs::TargetFields>();
    fields.Finish();
    return out;
}

// The job a request's path names.
struct JobRef {
    std::int64_t user_id = 0;
    std::int64_t connection_id = 0;
    std::int64_t job_id = 0;
};

JobRef RefOf(const core::User& me, const Request& request) {
    return {me.id, IdParam(request), IdParam(request, "job_id")};
}

constexpr std::chrono::milliseconds kEventPoll{500};
constexpr std::chrono::seconds kKeepAlive{15};
constexpr std::chrono::hours kLongestStream{1};

std::string Event(std::string_view name, const boost::json::object& data) {
    std::string out;
    out.append("event: ").append(name).append("\ndata: ");
    out.append(boost::json::serialize(data)).append("\n\n");
    return out;
}

// An audit event about a job.
service::AuditEvent JobEvent(const JobRef& ref, std::string action) {
    service::AuditEvent event{
        ref.user_id, std::move(action), "sync_job", std::to_string(ref.job_id), {}};
    event.detail["connection_id"] = ref.connection_id;
    return event;
}

// A route on one job that answers `status` with the JSON object `act(service, job, request)`
// returns, run on the database pool in one hop with the authentication; `action`, when not
// empty, is audited once it succeeded.
template <class Act>
void AddJobRoute(http::Router& router, ApiContext& context, const char* method,
                 std::string_view suffix, int status, Act act, std::string action = {}) {
    router.Add(method, Path(suffix),
               [&context, status, act, action](Request& request) -> Task<Response> {
                   auto jobs = context.sync_jobs;
                   auto audit = context.audit;
                   auto work = [jobs, audit, act, action, &request](const core::User& me) {
                       const JobRef ref = RefOf(me, request);
                       auto result = act(*jobs, ref, request);
                       if (!action.empty()) audit->Record(JobEvent(ref, action), OriginOf(request));
                       return result;
                   };
                   co_return JsonResponse(status, co_await AsUser(context, request, work));
               });
}

}  // namespace

void AddSyncJobRoutes(http::Router& router, ApiContext& context) {
    router.Add("POST", Path(""), [&context](Request& request) -> Task<Response> {
        const core::User me = co_await Authenticate(context, request);
        // Path parameters are read before the body (reading it reuses the request's buffers).
        const std::int64_t user_id = me.id;
        const std::int64_t connection_id = IdParam(request);
        const auto fields = ReadFields(co_await ReadJsonObject(context, request));
        auto jobs = context.sync_jobs;
        auto audit = context.audit;
        auto create = [jobs, audit, user_id, connection_id, fields, origin = OriginOf(request)] {
            const core::SyncJob job = jobs->Create(user_id, connection_id, fields);
            service::AuditEvent event =
                JobEvent({user_id, connection_id, job.id}, "sync_job.created");
            event.detail["direction"] = job.spec.direction;
            event.detail["container"] = job.spec.container;
            audit->Record(event, origin);
            return JobJson(job);
        };
        const boost::json::object created = co_await context.pool.Run(create);
        co_return JsonResponse(202, created);
    });

    // A dry run of a job not created yet: the plan a user confirms before a first run that
    // may delete.
    router.Add("POST", Path("/plan"), [&context](Request& request) -> Task<Response> {
        const core::User me = co_await Authenticate(context, request);
        const std::int64_t user_id = me.id;
        const std::int64_t connection_id = IdParam(request);
        const auto fields = ReadFields(co_await ReadJsonObject(context, request));
        auto jobs = context.sync_jobs;
        auto plan = [jobs, user_id, connection_id, fields] {
            return PlanJson(jobs->PlanDraft(user_id, connection_id, fields));
        };
        co_return JsonResponse(200, co_await context.storage_pool.Run(plan));
    });

    router.Add("GET", Path(""), [&context](Request& request) -> Task<Response> {
        auto jobs = context.sync_jobs;
        auto list = [jobs, &request](const core::User& me) {
            const Paging paging = ReadPaging(request);
            const auto page = jobs->List(me.id, IdParam(request), paging.skip, paging.limit);
            boost::json::array items;
            for (const auto& job : page.items) items.push_back(JobJson(job));
            return boost::json::object{{"items", std::move(items)}, {"total", page.total}};
        };
        co_return JsonResponse(200, co_await AsUser(context, request, list));
    });

    AddJobRoute(router, context, "GET", "/{job_id:int}", 200,
                [](jobs::SyncJobService& jobs, const JobRef& ref, const Request&) {
                    return JobJson(jobs.Get(ref.user_id, ref.connection_id, ref.job_id));
                });
    AddJobRoute(
        router, context, "POST", "/{job_id:int}/run", 202,
        [](jobs::SyncJobService& jobs, const JobRef& ref, const Request&) {
            return RunJson(jobs.RunNow(ref.user_id, ref.connection_id, ref.job_id));
        },
        "sync_job.run_requested");
    AddJobRoute(
        router, context, "POST", "/{job_id:int}/cancel", 202,
        [](jobs::SyncJobService& jobs, const JobRef& ref, const Request&) {
            return RunJson(jobs.Cancel(ref.user_id, ref.connection_id, ref.job_id));
        },
        "sync_job.cancel_requested");
    AddJobRoute(router, context, "GET", "/{job_id:int}/runs", 200,
                [](jobs::SyncJobService& jobs, const JobRef& ref, const Request& request) {
                    const Paging paging = ReadPaging(request);
                    const auto page = jobs.Runs(ref.user_id, ref.connection_id, ref.job_id,
                                                paging.skip, paging.limit);
                    boost::json::array items;
                    for (const auto& run : page.items) items.push_back(RunJson(run));
                    return boost::json::object{{"items", std::move(items)}, {"total", page.total}};
                });

    router.Add("DELETE", Path("/{job_id:int}"), [&context](Request& request) -> Task<Response> {
        auto jobs = context.sync_jobs;
        auto audit = context.audit;
        auto remove = [jobs, audit, &request](const core::User& me) {
            const JobRef ref = RefOf(me, request);
            jobs->Delete(ref.user_id, ref.connection_id, ref.job_id);
            audit->Record(JobEvent(ref, "sync_job.deleted"), OriginOf(request));
            return 0;
        };
        co_await AsUser(context, request, remove);
        co_return http::EmptyResponse(204);
    });

    router.Add("POST", Path("/{job_id:int}/plan"), [&context](Request& request) -> Task<Response> {
        const core::User me = co_await Authenticate(context, request);
        auto jobs = context.sync_jobs;
        const JobRef ref = RefOf(me, request);
        // Lists both sides (and hashes local files for md5): a storage call's pool.
        auto plan = [jobs, ref] {
            return PlanJson(jobs->Plan(ref.user_id, ref.connection_id, ref.job_id));
        };
        co_return JsonResponse(200, co_await context.storage_pool.Run(plan));
    });

    router.Add("GET", Path("/{job_id:int}/events"), [&context](Request& request) -> Task<Response> {
        auto jobs = context.sync_jobs;
        // The run followed is the job's latest when the stream opens: its end ends the stream.
        auto latest = [jobs, &request](const core::User& me) {
            const JobRef ref = RefOf(me, request);
            const core::SyncJob job = jobs->Get(ref.user_id, ref.connection_id, ref.job_id);
            if (!job.latest_run) {
                throw core::Error(core::ErrorCode::kFailedPrecondition, "this job has no run yet",
                                  "sync_run_not_found");
            }
            return std::make_pair(ref, *job.latest_run);
        };
        const auto [ref, first] = co_await AsUser(context, request, latest);
        Response response;
        response.status = 200;
        response.headers.Set("Content-Type", "text/event-stream; charset=utf-8");
        response.headers.Set("Cache-Control", "no-store");
        response.headers.Set("X-Accel-Buffering", "no");  // nginx: pass events on at once
        response.producer = [&context, jobs, ref = ref,
                             first = first](http::BodySink& sink) -> Task<void> {
            boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
            const auto opened = std::chrono::steady_clock::now();
            auto last_write = opened;
            core::SyncRun run = first;
            std::string last_sent;
            for (;;) {
                const boost::json::object data = RunJson(run);
                if (core::IsFinal(run.status)) {
                    co_await sink.Write(Event("end", data));
                    co_return;
                }
                std::string text = Event("progress", data);
                const auto now = std::chrono::steady_clock::now();
                if (text != last_sent) {
                    co_await sink.Write(text);
                    last_sent = std::move(text);
                    last_write = now;
                } else if (now - last_write >= kKeepAlive) {
                    co_await sink.Write(": keep-alive\n\n");
                    last_write = now;
                }
                // A client that stays for hours reconnects (and re-authenticates).
                if (now - opened >= kLongestStream) co_return;
                timer.expires_after(kEventPoll);
                co_await timer.async_wait(boost::asio::use_awaitable);
                auto read = [jobs, ref, id = run.id] {
                    return jobs->Run(ref.user_id, ref.connection_id, ref.job_id, id);
                };
                try {
                    run = co_await context.pool.Run(read);
                } catch (const core::Error& e) {
                    if (e.code() != core::ErrorCode::kNotFound) throw;
                    // The job was deleted, which cancels its run: the stream ends as the run did.
                    if (!core::IsFinal(run.status)) {
                        run.status = core::RunStatus::kCancelled;
                        run.error_code = "sync_job_deleted";
                        run.error_message = "the sync job was deleted";
                        run.finished_at = core::NowMillis();
                    }
                }
            }
        };
        co_return response;
    });
}

}  // namespace cerulean::api
