#include "store/sync_job_repository.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "store/database_impl.hpp"

namespace cerulean::store {
namespace {

using core::RunStatus;

// The columns of a run, read from index `base` of a row.
constexpr std::string_view kRunColumns =
    "r.id, r.job_id, r.status, r.run_trigger, r.attempt, r.run_after, r.cancel_requested, "
    "r.worker_id, r.lease_expires_at, r.files_total, r.files_done, r.files_skipped, "
    "r.files_failed, r.files_deleted, r.bytes_total, r.bytes_done, r.error_code, "
    "r.error_message, r.created_at, r.started_at, r.finished_at, r.claims";

std::optional<std::string> OptionalText(const Rows& row, int column) {
    if (row.IsNull(column)) return std::nullopt;
    return std::string(row.Text(column));
}

std::optional<std::int64_t> OptionalInt(const Rows& row, int column) {
    if (row.IsNull(column)) return std::nullopt;
    return row.Int(column);
}

core::SyncRun ReadRun(const Rows& row, int base) {
    core::SyncRun run;
    run.id = row.Int(base + 0);
    run.job_id = row.Int(base + 1);
    run.status = core::ParseRunStatus(row.Text(base + 2)).value_or(RunStatus::kFailed);
    run.trigger = core::ParseRunTrigger(row.Text(base + 3)).value_or(core::RunTrigger::kManual);
    run.attempt = static_cast<int>(row.Int(base + 4));
    run.run_after = row.Int(base + 5);
    run.cancel_requested = row.Int(base + 6) != 0;
    run.worker_id = OptionalText(row, base + 7);
    run.lease_expires_at = OptionalInt(row, base + 8);
    run.progress.files_total = row.Int(base + 9);
    run.progress.files_done = row.Int(base + 10);
    run.progress.files_skipped = row.Int(base + 11);
    run.progress.files_failed = row.Int(base + 12);
    run.progress.files_deleted = row.Int(base + 13);
    run.progress.bytes_total = row.Int(base + 14);
    run.progress.bytes_done = row.Int(base + 15);
    run.error_code = OptionalText(row, base + 16);
    run.error_message = OptionalText(row, base + 17);
    run.created_at = row.Int(base + 18);
    run.started_at = OptionalInt(row, base + 19);
    run.finished_at = OptionalInt(row, base + 20);
    run.claims = static_cast<int>(row.Int(base + 21));
    return run;
}

struct RunRow {
    static constexpr std::string_view kColumns = kRunColumns;
    static core::SyncRun Read(const Rows& row) { return ReadRun(row, 0); }
};

// A job with its latest run (LEFT JOIN: the run's columns are NULL when it has none).
struct JobRow {
    static inline const std::string kColumns =
        std::string(
            "j.id, j.user_id, j.connection_id, j.direction, j.container, j.prefix, j.local_path, "
            "j.target_connection_id, j.target_container, j.target_prefix, j.delete_extraneous, "
            "j.max_delete, j.compare, j.interval_seconds, j.next_run_at, j.created_at, "
            "j.updated_at, ")
            .append(kRunColumns);
    static constexpr int kRunBase = 17;

    static core::SyncJob Read(const Rows& row) {
        core::SyncJob job;
        job.id = row.Int(0);
        job.user_id = row.Int(1);
        job.connection_id = row.Int(2);
        job.spec.direction = row.Text(3);
        job.spec.container = row.Text(4);
        job.spec.prefix = row.Text(5);
        job.spec.local_path = OptionalText(row, 6);
        job.spec.target_connection_id = OptionalInt(row, 7);
        job.spec.target_container = OptionalText(row, 8);
        job.spec.target_prefix = OptionalText(row, 9);
        job.spec.delete_extraneous = row.Int(10) != 0;
        job.spec.max_delete = OptionalInt(row, 11);
        job.spec.compare = row.Text(12);
        job.spec.interval_seconds = OptionalInt(row, 13);
        job.next_run_at = OptionalInt(row, 14);
        job.created_at = row.Int(15);
        job.updated_at = row.Int(16);
        if (!row.IsNull(kRunBase)) job.latest_run = ReadRun(row, kRunBase);
        return job;
    }
};

// Jobs joined with their newest run.
constexpr std::string_view kJobsWithLatestRun =
    "azure_blob_sync_jobs j LEFT JOIN azure_blob_sync_runs r ON r.id = "
    "(SELECT MAX(id) FROM azure_blob_sync_runs WHERE job_id = j.id) ";

const std::string& JobByIdSql() {
    static const std::string kSql =
        SelectSql<JobRow>(std::string(kJobsWithLatestRun) +
                          "WHERE j.id = :j AND j.user_id = :u AND j.connection_id = :c");
    return kSql;
}

std::optional<core::SyncJob> SelectJob(Session& session, std::int64_t user_id,
                                       std::int64_t connection_id, std::int64_t job_id) {
    auto rows = SelectRows<JobRow>(session, JobByIdSql(), job_id, user_id, connection_id);
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
}

std::optional<core::SyncRun> SelectRun(Session& session, std::int64_t run_id) {
    static const std::string kSql = SelectSql<RunRow>("azure_blob_sync_runs r WHERE r.id = :r");
    auto rows = SelectRows<RunRow>(session, kSql, run_id);
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
}

std::optional<core::SyncRun> SelectLiveRun(Session& session, std::int64_t job_id) {
    static const std::string kSql = SelectSql<RunRow>(
        "azure_blob_sync_runs r WHERE r.job_id = :j AND r.status IN ('queued', 'running')");
    auto rows = SelectRows<RunRow>(session, kSql, job_id);
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
}

core::Error RunActive() {
    return core::Error(core::ErrorCode::kFailedPrecondition,
                       "this job already has a run queued or running", "sync_run_active");
}

// Inserts a queued run of `job_id`; a unique violation (another live run) is RunActive.
std::int64_t InsertRun(soci::session& sql, std::int64_t job_id, core::RunTrigger trigger,
                       int attempt, core::UnixMillis run_after, core::UnixMillis now) {
    long long id = 0;
    long long job = job_id;
    std::string trigger_name(core::ToString(trigger));
    int attempt_number = attempt;
    long long after = run_after;
    long long created = now;
    long long updated = now;
    try {
        sql << "INSERT INTO azure_blob_sync_runs (job_id, status, run_trigger, attempt, "
               "run_after, created_at, updated_at) VALUES (:j, 'queued', :t, :a, :r, :c, :u) "
               "RETURNING id",
            soci::use(job), soci::use(trigger_name), soci::use(attempt_number), soci::use(after),
            soci::use(created), soci::use(updated), soci::into(id);
    } catch (const soci::soci_error& e) {
        if (IsUniqueViolation(e)) throw RunActive();
        throw;
    }
    return id;
}

// While a run is live a scheduled job has no next run; the run's end sets one.
void ClearNextRun(soci::session& sql, std::int64_t job_id, core::UnixMillis now) {
    long long job = job_id;
    long long at = now;
    sql << "UPDATE azure_blob_sync_jobs SET next_run_at = NULL, updated_at = :t WHERE id = :j",
        soci::use(at), soci::use(job);
}

// A scheduled job's next run comes `interval_seconds` after `from`.
void ScheduleNext(soci::session& sql, std::int64_t job_id, core::UnixMillis from) {
    long long job = job_id;
    long long at = from;
    long long updated = from;
    sql << "UPDATE azure_blob_sync_jobs SET next_run_at = :t + interval_seconds * 1000, "
           "updated_at = :u WHERE id = :j AND interval_seconds IS NOT NULL",
        soci::use(at), soci::use(updated), soci::use(job);
}

bool JobExists(Session& session, std::int64_t user_id, std::int64_t connection_id,
               std::int64_t job_id) {
    return SelectInt(session,
                     "SELECT COUNT(*) FROM azure_blob_sync_jobs WHERE id = :j AND user_id = :u "
                     "AND connection_id = :c",
                     job_id, user_id, connection_id) > 0;
}

// Binds the seven counters of `p` after whatever the statement bound before.
struct ProgressValues {
    explicit ProgressValues(const core::RunProgress& p)
        : total(p.files_total),
          done(p.files_done),
          skipped(p.files_skipped),
          failed(p.files_failed),
          deleted(p.files_deleted),
          bytes_total(p.bytes_total),
          bytes_done(p.bytes_done) {}
    long long total, done, skipped, failed, deleted, bytes_total, bytes_done;
};

constexpr std::string_view kSetProgress =
    "files_total = :p1, files_done = :p2, files_skipped = :p3, files_failed = :p4, "
    "files_deleted = :p5, bytes_total = :p6, bytes_done = :p7";

}  // namespace

core::SyncJob SyncJobRepository::Create(std::int64_t user_id, std::int64_t connection_id,
                                        const core::SyncJobSpec& spec, core::UnixMillis now) {
    std::optional<core::SyncJob> created;
    WithTransaction(*db_, [&](Session& session) {
        soci::session& sql = session.sql();
        long long id = 0;
        long long user = user_id;
        long long connection = connection_id;
        std::string direction = spec.direction;
        std::string container = spec.container;
        std::string prefix = spec.prefix;
        std::string local_path = spec.local_path.value_or("");
        soci::indicator local_ind = spec.local_path ? soci::i_ok : soci::i_null;
        long long target_id = spec.target_connection_id.value_or(0);
        soci::indicator target_id_ind = spec.target_connection_id ? soci::i_ok : soci::i_null;
        std::string target_container = spec.target_container.value_or("");
        soci::indicator target_container_ind = spec.target_container ? soci::i_ok : soci::i_null;
        std::string target_prefix = spec.target_prefix.value_or("");
        soci::indicator target_prefix_ind = spec.target_prefix ? soci::i_ok : soci::i_null;
        int delete_extraneous = spec.delete_extraneous ? 1 : 0;
        long long max_delete = spec.max_delete.value_or(0);
        soci::indicator max_delete_ind = spec.max_delete ? soci::i_ok : soci::i_null;
        std::string compare = spec.compare;
        long long interval = spec.interval_seconds.value_or(0);
        soci::indicator interval_ind = spec.interval_seconds ? soci::i_ok : soci::i_null;
        long long created_at = now;
        long long updated_at = now;
        sql << "INSERT INTO azure_blob_sync_jobs (user_id, connection_id, direction, container, "
               "prefix, local_path, target_connection_id, target_container, target_prefix, "
               "delete_extraneous, max_delete, compare, interval_seconds, created_at, "
               "updated_at) VALUES (:u, :c, :d, :k, :p, :l, :tc, :tk, :tp, :de, :md, :cm, :iv, "
               ":ca, :ua) RETURNING id",
            soci::use(user), soci::use(connection), soci::use(direction), soci::use(container),
            soci::use(prefix), soci::use(local_path, local_ind),
            soci::use(target_id, target_id_ind), soci::use(target_container, target_container_ind),
            soci::use(target_prefix, target_prefix_ind), soci::use(delete_extraneous),
            soci::use(max_delete, max_delete_ind), soci::use(compare),
            soci::use(interval, interval_ind), soci::use(created_at), soci::use(updated_at),
            soci::into(id);
        InsertRun(sql, id, core::RunTrigger::kCreate, 1, now, now);
        created = SelectJob(session, user_id, connection_id, id);
    });
    if (!created) {
        throw core::Error(core::ErrorCode::kInternal, "the new sync job could not be read back");
    }
    return std::move(*created);
}

std::optional<core::SyncJob> SyncJobRepository::Get(std::int64_t user_id,
                                                    std::int64_t connection_id,
                                                    std::int64_t job_id) {
    std::optional<core::SyncJob> job;
    WithSession(
        *db_, [&](Session& session) { job = SelectJob(session, user_id, connection_id, job_id); });
    return job;
}

Page<core::SyncJob> SyncJobRepository::List(std::int64_t user_id, std::int64_t connection_id,
                                            std::int64_t skip, std::int64_t limit) {
    Page<core::SyncJob> page;
    WithSession(*db_, [&](Session& session) {
        static const std::string kPage =
            SelectSql<JobRow>(std::string(kJobsWithLatestRun) +
                              "WHERE j.user_id = :u AND j.connection_id = :c ORDER BY j.id DESC "
                              "LIMIT :l OFFSET :o");
        AppendRows<JobRow>(page.items, session, kPage, user_id, connection_id, limit, skip);
        page.total = SelectInt(session,
                               "SELECT COUNT(*) FROM azure_blob_sync_jobs WHERE user_id = :u AND "
                               "connection_id = :c",
                               user_id, connection_id);
    });
    return page;
}

bool SyncJobRepository::Delete(std::int64_t user_id, std::int64_t connection_id,
                               std::int64_t job_id) {
    bool deleted = false;
    WithTransaction(*db_, [&](Session& session) {
        soci::session& sql = session.sql();
        long long job = job_id;
        long long user = user_id;
        long long connection = connection_id;
        soci::statement st =
            (sql.prepare << "DELETE FROM azure_blob_sync_jobs WHERE id = :j AND user_id = :u AND "
                            "connection_id = :c",
             soci::use(job), soci::use(user), soci::use(connection));
        st.execute(true);
        deleted = st.get_affected_rows() == 1;
    });
    return deleted;
}

std::optional<core::SyncRun> SyncJobRepository::QueueRun(std::int64_t user_id,
                                                         std::int64_t connection_id,
                                                         std::int64_t job_id,
                                                         core::RunTrigger trigger,
                                                         core::UnixMillis now) {
    std::optional<core::SyncRun> run;
    WithTransaction(*db_, [&](Session& session) {
        if (!JobExists(session, user_id, connection_id, job_id)) return;
        if (SelectLiveRun(session, job_id)) throw RunActive();
        const std::int64_t id = InsertRun(session.sql(), job_id, trigger, 1, now, now);
        ClearNextRun(session.sql(), job_id, now);
        run = SelectRun(session, id);
    });
    return run;
}

std::optional<core::SyncRun> SyncJobRepository::Cancel(std::int64_t user_id,
                                                       std::int64_t connection_id,
                                                       std::int64_t job_id, core::UnixMillis now) {
    std::optional<core::SyncRun> run;
    WithTransaction(*db_, [&](Session& session) {
        if (!JobExists(session, user_id, connection_id, job_id)) return;
        const auto live = SelectLiveRun(session, job_id);
        if (!live) {
            throw core::Error(core::ErrorCode::kFailedPrecondition,
                              "this job has no run queued or running", "sync_run_not_active");
        }
        soci::session& sql = session.sql();
        long long id = live->id;
        long long at = now;
        long long updated = now;
        if (live->status == RunStatus::kQueued) {
            // Nobody holds it: it ends here, and a scheduled job goes on with its schedule.
            sql << "UPDATE azure_blob_sync_runs SET status = 'cancelled', cancel_requested = 1, "
                   "finished_at = :f, updated_at = :u WHERE id = :r",
                soci::use(at), soci::use(updated), soci::use(id);
            ScheduleNext(sql, job_id, now);
        } else {
            sql << "UPDATE azure_blob_sync_runs SET cancel_requested = 1, updated_at = :u WHERE "
                   "id = :r",
                soci::use(updated), soci::use(id);
        }
        run = SelectRun(session, live->id);
    });
    return run;
}

std::optional<core::SyncRun> SyncJobRepository::GetRun(std::int64_t user_id,
                                                       std::int64_t connection_id,
                                                       std::int64_t job_id, std::int64_t run_id) {
    std::optional<core::SyncRun> run;
    WithSession(*db_, [&](Session& session) {
        static const std::string kSql = SelectSql<RunRow>(
            "azure_blob_sync_runs r JOIN azure_blob_sync_jobs j ON j.id = r.job_id WHERE r.id = "
            ":r AND r.job_id = :j AND j.user_id = :u AND j.connection_id = :c");
        auto rows = SelectRows<RunRow>(session, kSql, run_id, job_id, user_id, connection_id);
        if (!rows.empty()) run = std::move(rows.front());
    });
    return run;
}

std::optional<Page<core::SyncRun>> SyncJobRepository::ListRuns(std::int64_t user_id,
                                                               std::int64_t connection_id,
                                                               std::int64_t job_id,
                                                               std::int64_t skip,
                                                               std::int64_t limit) {
    std::optional<Page<core::SyncRun>> page;
    WithSession(*db_, [&](Session& session) {
        if (!JobExists(session, user_id, connection_id, job_id)) return;
        static const std::string kPage = SelectSql<RunRow>(
            "azure_blob_sync_runs r WHERE r.job_id = :j ORDER BY r.id DESC LIMIT :l OFFSET :o");
        page.emplace();
        AppendRows<RunRow>(page->items, session, kPage, job_id, limit, skip);
        page->total = SelectInt(
            session, "SELECT COUNT(*) FROM azure_blob_sync_runs WHERE job_id = :j", job_id);
    });
    return page;
}

std::optional<ClaimedRun> SyncJobRepository::Claim(const std::string& worker_id,
                                                   core::UnixMillis now,
                                                   std::chrono::milliseconds lease) {
    // The oldest claimable run: queued and due, or running under a lapsed lease.
    static constexpr std::string_view kPick =
        "SELECT id FROM azure_blob_sync_runs WHERE (status = 'queued' AND run_after <= :n1) OR "
        "(status = 'running' AND lease_expires_at < :n2) ORDER BY run_after, id LIMIT 1";
    const std::string pick = db_->dialect() == Dialect::kPostgres
                                 ? std::string(kPick) + " FOR UPDATE SKIP LOCKED"
                                 : std::string(kPick);
    const std::string claim =
        "UPDATE azure_blob_sync_runs SET status = 'running', worker_id = :w, lease_expires_at = "
        ":l, claims = claims + 1, started_at = COALESCE(started_at, :s), updated_at = :u WHERE "
        "id = (" +
        pick +
        ") AND ((status = 'queued' AND run_after <= :n3) OR (status = 'running' AND "
        "lease_expires_at < :n4)) RETURNING id";
    std::optional<ClaimedRun> claimed;
    WithTransaction(*db_, [&](Session& session) {
        soci::session& sql = session.sql();
        std::string worker = worker_id;
        long long expires = now + lease.count();
        long long started = now;
        long long updated = now;
        long long n1 = now;
        long long n2 = now;
        long long n3 = now;
        long long n4 = now;
        long long id = 0;
        sql << claim, soci::use(worker), soci::use(expires), soci::use(started), soci::use(updated),
            soci::use(n1), soci::use(n2), soci::use(n3), soci::use(n4), soci::into(id);
        if (!sql.got_data()) return;
        auto run = SelectRun(session, id);
        if (!run) return;
        static const std::string kJob =
            SelectSql<JobRow>(std::string(kJobsWithLatestRun) + "WHERE j.id = :j");
        auto jobs = SelectRows<JobRow>(session, kJob, run->job_id);
        if (jobs.empty()) return;
        jobs.front().latest_run.reset();
        claimed = ClaimedRun{std::move(*run), std::move(jobs.front())};
    });
    return claimed;
}

Heartbeat SyncJobRepository::Beat(std::int64_t run_id, const std::string& worker_id,
                                  const core::RunProgress& progress, core::UnixMillis now,
                                  std::chrono::milliseconds lease) {
    static const std::string kSql = "UPDATE azure_blob_sync_runs SET lease_expires_at = :l, " +
                                    std::string(kSetProgress) +
                                    ", updated_at = :u WHERE id = :r AND worker_id = :w AND "
                                    "status = 'running' RETURNING cancel_requested";
    Heartbeat beat = Heartbeat::kLost;
    WithSession(*db_, [&](Session& session) {
        soci::session& sql = session.sql();
        long long expires = now + lease.count();
        ProgressValues p(progress);
        long long updated = now;
        long long id = run_id;
        std::string worker = worker_id;
        int cancel = 0;
        sql << kSql, soci::use(expires), soci::use(p.total), soci::use(p.done),
            soci::use(p.skipped), soci::use(p.failed), soci::use(p.deleted),
            soci::use(p.bytes_total), soci::use(p.bytes_done), soci::use(updated), soci::use(id),
            soci::use(worker), soci::into(cancel);
        if (sql.got_data()) beat = cancel != 0 ? Heartbeat::kCancel : Heartbeat::kContinue;
    });
    return beat;
}

bool SyncJobRepository::Finish(std::int64_t run_id, const std::string& worker_id,
                               const RunOutcome& outcome, core::UnixMillis now) {
    static const std::string kSql = "UPDATE azure_blob_sync_runs SET status = :s, " +
                                    std::string(kSetProgress) +
                                    ", error_code = :ec, error_message = :em, finished_at = :f, "
                                    "worker_id = NULL, lease_expires_at = NULL, updated_at = :u "
                                    "WHERE id = :r AND worker_id = :w AND status = 'running' "
                                    "RETURNING job_id, attempt";
    bool finished = false;
    WithTransaction(*db_, [&](Session& session) {
        soci::session& sql = session.sql();
        std::string status(core::ToString(outcome.status));
        ProgressValues p(outcome.progress);
        std::string error_code = outcome.error_code.value_or("");
        soci::indicator code_ind = outcome.error_code ? soci::i_ok : soci::i_null;
        std::string error_message = outcome.error_message.value_or("");
        soci::indicator message_ind = outcome.error_message ? soci::i_ok : soci::i_null;
        long long at = now;
        long long updated = now;
        long long id = run_id;
        std::string worker = worker_id;
        long long job_id = 0;
        int attempt = 0;
        sql << kSql, soci::use(status), soci::use(p.total), soci::use(p.done), soci::use(p.skipped),
            soci::use(p.failed), soci::use(p.deleted), soci::use(p.bytes_total),
            soci::use(p.bytes_done), soci::use(error_code, code_ind),
            soci::use(error_message, message_ind), soci::use(at), soci::use(updated), soci::use(id),
            soci::use(worker), soci::into(job_id), soci::into(attempt);
        if (!sql.got_data()) return;
        finished = true;
        if (outcome.retry_at) {
            InsertRun(sql, job_id, core::RunTrigger::kRetry, attempt + 1, *outcome.retry_at, now);
        } else {
            ScheduleNext(sql, job_id, now);
        }
    });
    return finished;
}

bool SyncJobRepository::Release(std::int64_t run_id, const std::string& worker_id,
                                core::UnixMillis now) {
    bool released = false;
    WithSession(*db_, [&](Session& session) {
        soci::session& sql = session.sql();
        long long after = now;
        long long updated = now;
        long long id = run_id;
        std::string worker = worker_id;
        soci::statement st =
            (sql.prepare << "UPDATE azure_blob_sync_runs SET status = 'queued', worker_id = NULL, "
                            "lease_expires_at = NULL, run_after = :a, updated_at = :u WHERE id = "
                            ":r AND worker_id = :w AND status = 'running'",
             soci::use(after), soci::use(updated), soci::use(id), soci::use(worker));
        st.execute(true);
        released = st.get_affected_rows() == 1;
    });
    return released;
}

int SyncJobRepository::QueueDue(core::UnixMillis now) {
    struct Due {
        std::int64_t id;
        std::int64_t next_run_at;
    };
    std::vector<Due> due;
    WithSession(*db_, [&](Session& session) {
        Rows rows = session.Query(
            "SELECT id, next_run_at FROM azure_blob_sync_jobs WHERE next_run_at IS NOT NULL AND "
            "next_run_at <= :n ORDER BY next_run_at LIMIT 100",
            {now});
        while (rows.Next()) due.push_back({rows.Int(0), rows.Int(1)});
    });
    int queued = 0;
    for (const Due& job : due) {
        WithTransaction(*db_, [&](Session& session) {
            soci::session& sql = session.sql();
            long long id = job.id;
            long long expected = job.next_run_at;
            long long updated = now;
            // Whoever clears next_run_at first queues the run; the others find it changed.
            soci::statement take =
                (sql.prepare << "UPDATE azure_blob_sync_jobs SET next_run_at = NULL, updated_at "
                                "= :u WHERE id = :j AND next_run_at = :e",
                 soci::use(updated), soci::use(id), soci::use(expected));
            take.execute(true);
            if (take.get_affected_rows() != 1) return;
            // A run queued by hand meanwhile sets the next one when it ends.
            if (SelectLiveRun(session, job.id)) return;
            InsertRun(sql, job.id, core::RunTrigger::kSchedule, 1, now, now);
            ++queued;
        });
    }
    return queued;
}

QueueStats SyncJobRepository::Stats(core::UnixMillis now) {
    static constexpr std::string_view kSql =
        "SELECT COALESCE(SUM(CASE WHEN status = 'queued' THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN status = 'running' THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN status = 'queued' AND run_after <= :n1 THEN 1 ELSE 0 END), 0), "
        "MIN(CASE WHEN status = 'queued' AND run_after <= :n2 THEN run_after END), "
        "COALESCE(SUM(CASE WHEN status = 'running' AND lease_expires_at >= :n3 THEN 1 ELSE 0 "
        "END), 0) FROM azure_blob_sync_runs WHERE status IN ('queued', 'running')";
    QueueStats stats;
    WithSession(*db_, [&](Session& session) {
        Rows rows = session.Query(kSql, {Param(now), Param(now), Param(now)});
        if (!rows.Next()) return;
        stats.queued = rows.Int(0);
        stats.running = rows.Int(1);
        stats.due = rows.Int(2);
        if (!rows.IsNull(3)) stats.oldest_due = rows.Int(3);
        stats.active_leases = rows.Int(4);
    });
    return stats;
}

std::int64_t SyncJobRepository::CountLive() {
    std::int64_t count = 0;
    WithSession(*db_, [&](Session& session) {
        count = SelectInt(session,
                          "SELECT COUNT(*) FROM azure_blob_sync_runs WHERE status IN ('queued', "
                          "'running')");
    });
    return count;
}

}  // namespace cerulean::store
