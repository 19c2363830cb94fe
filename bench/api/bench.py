#!/usr/bin/python3
"""bench/api: the HTTP rows of `make bench` (issues 4, 5 and 14), with wrk on loopback. Prints a
table and writes rows (bench/common.py's format) to $BENCH_JSON. Never asserts a time.

1. The HTTP ceiling, one `cerulean serve` on SQLite (or CERULEAN_DATABASE_URL's database):
   nginx answering `return 200` itself (worker_processes = cores) beside /healthz, GET
   /users/me and the connection list (20 items), each `wrk -t2 -c32`; and `GET
   .../blobs?limit=100` of a 1,000-blob container in Azurite, through the API and straight from
   the emulator (a SAS), `wrk -t2 -c8`. The figures issue 4 quotes for FastAPI + SQLAlchemy +
   uvicorn go beside them, marked as quoted.
2. Scale-out on PostgreSQL: the same three API routes through nginx (deploy/nginx's files, or
   BENCH_NGINX_DEPLOY) in front of one and of two `cerulean serve` (CERULEAN_WORKERS=0).
3. Sync jobs drained per second by one and by two `cerulean worker` processes: BENCH_JOBS
   download jobs (4 blobs of 4 KiB each) queued while no worker runs, then the workers
   started; the rate is jobs over the time from the first run's start to the last one's end
   (the runs table's own millisecond timestamps).

Every measure BENCH_RUNS (3) times, interleaved (each run starts with another target).
Env: CERULEAN (binary), DURATION (10s), CONNECTIONS (32), THREADS (2), BENCH_LIST_CONNECTIONS
(8), BENCH_LIST_COUNT (1000), BENCH_JOBS (300), BENCH_WORKER_THREADS (CERULEAN_WORKERS of each
worker process, 2), BENCH_API_PARTS (http,scale,jobs), BENCH_QUICK=1 (short runs, fewer items).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "transfer"))
import common  # noqa: E402  (bench/common.py)
from bench import KEY, Emulator  # noqa: E402  (bench/transfer/bench.py)
from common import QUICK, call, median, row  # noqa: E402

CERULEAN = os.path.abspath(os.environ.get("CERULEAN", os.path.join(common.ROOT, "build",
                                                                   "cerulean")))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
DURATION = os.environ.get("DURATION", "3s" if QUICK else "10s")
CONNECTIONS = int(os.environ.get("CONNECTIONS", "32"))
THREADS = int(os.environ.get("THREADS", "2"))
LIST_CONNECTIONS = int(os.environ.get("BENCH_LIST_CONNECTIONS", "8"))
LIST_COUNT = int(os.environ.get("BENCH_LIST_COUNT", "200" if QUICK else "1000"))
JOBS = int(os.environ.get("BENCH_JOBS", "12" if QUICK else "300"))
JOB_BLOBS, JOB_BLOB_SIZE = 4, 4096
WORKER_THREADS = os.environ.get("BENCH_WORKER_THREADS", "2")
PARTS = os.environ.get("BENCH_API_PARTS", "http,scale,jobs").split(",")
# Part 1's database: SQLite in the server's folder unless CERULEAN_DATABASE_URL names another.
DATABASE = ("PostgreSQL" if os.environ.get("CERULEAN_DATABASE_URL", "").startswith("postgresql")
            else "SQLite")
SETTLE = float(os.environ.get("BENCH_SETTLE", "0.3" if QUICK else "1"))
CONNECTION_COUNT = 20  # in the list, as issue 4's figures had
# Issue 4: the same routes built with FastAPI + SQLAlchemy + uvicorn (2 workers) on this kind of
# machine, quoted (req/s, p99), not measured here.
FASTAPI = {"me": (2408, "63 ms"), "connections": (653, "133 ms")}
# Shared by every server and worker of the PostgreSQL parts (as docs/DEPLOY.md has it).
CLUSTER_ENV = {"CERULEAN_MASTER_KEYS": "k1:" + "K" * 43 + "=",
               "CERULEAN_JWT_SECRET": "s" * 48,
               "CERULEAN_ALLOW_LOOPBACK_ENDPOINTS": "true",
               "CERULEAN_TRUSTED_PROXIES": "127.0.0.1",
               "CERULEAN_AUTO_MIGRATE": "false"}


def log(text):
    print(text, file=sys.stderr, flush=True)


class Process:
    """A `cerulean` child process (serve, worker) in a folder of its own, its output in a log
    file there that truncate() empties between runs (a busy server's access log grows fast)."""

    def __init__(self, args, env, folder, port=None):
        os.makedirs(folder, exist_ok=True)
        self.log_path = os.path.join(folder, "out.log")
        self.log = open(self.log_path, "a")
        self.port = port
        self.process = subprocess.Popen([CERULEAN] + args, cwd=folder, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        if port:
            try:
                common.wait_port(port, 60, self.process, "cerulean " + args[0])
            except SystemExit:
                self.stop()
                raise SystemExit("cerulean %s did not start:\n%s" % (args[0], self.tail()))

    @classmethod
    def serve(cls, env, folder):
        port = common.free_port()
        return cls(["serve"], dict(env, CERULEAN_LISTEN="127.0.0.1:%d" % port), folder, port)

    def truncate(self):
        os.truncate(self.log_path, 0)

    def tail(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()[-3000:]

    def stop(self):
        common.stop(self.process, grace=30)
        self.log.close()


def sign_up(base, email):
    call(base, "POST", "/api/v1/auth/register", {"email": email, "password": "bench-password"})
    return call(base, "POST", "/api/v1/auth/token",
                {"username": email, "password": "bench-password"})["access_token"]


def arrange(base, token, endpoint):
    """CONNECTION_COUNT connections (the last one to the emulator, the others to accounts that
    are never reached); the emulator connection's id."""
    for i in range(1, CONNECTION_COUNT):
        call(base, "POST", "/api/v1/azure_blob/connections",
             {"name": "conn %d" % i, "auth_type": "account_key", "account_name": "benchacct%d" % i,
              "container_name": "docs",
              "credentials": {"account_key": "c2VjcmV0LWtleS0xMjM0NTY3ODkw"}}, token)
    return call(base, "POST", "/api/v1/azure_blob/connections",
                {"name": "emulator", "auth_type": "account_key",
                 "account_name": "devstoreaccount1", "endpoint": endpoint,
                 "credentials": {"account_key": KEY}}, token)["id"]


def fill_emulator(work, env):
    """Containers `list` (LIST_COUNT empty blobs) and `jobs` (src/: JOB_BLOBS small blobs)."""
    for container in ("list", "jobs"):
        subprocess.run([CERULEAN, "blob", "mb", "az://" + container], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    for folder, count, size, target in (("list-src", LIST_COUNT, 0, "az://list/"),
                                        ("jobs-src", JOB_BLOBS, JOB_BLOB_SIZE, "az://jobs/src/")):
        path = os.path.join(work, folder)
        os.makedirs(path)
        for i in range(count):
            with open(os.path.join(path, "f%05d.txt" % i), "wb") as f:
                f.write(os.urandom(size))
        subprocess.run([CERULEAN, "blob", "put", "--recursive", path, target], env=env,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Measures:
    """wrk runs of named targets, interleaved: {name: [(req/s, p99 ms)]}."""

    def __init__(self):
        self.runs = {}

    def measure(self, targets, connections=CONNECTIONS, processes=()):
        """targets: [(name, url, headers, server pids)], each measured RUNS times, every run
        starting with another target; `processes` have their logs emptied before each run. The
        servers' CPU time per request is less disturbed by other work than their rate."""
        for i in range(RUNS):
            for name, url, headers, pids in targets[i % len(targets):] + targets[:i % len(targets)]:
                for process in processes:
                    process.truncate()
                time.sleep(SETTLE)
                cpu = common.cpu_seconds(pids)
                rps, p99, errors, requests = common.wrk(url, THREADS, connections, DURATION,
                                                        headers)
                cpu_us = (common.cpu_seconds(pids) - cpu) * 1e6 / max(requests, 1)
                if errors:
                    raise SystemExit("bench/api: %d non-2xx answers from %s" % (errors, url))
                self.runs.setdefault(name, []).append((rps, p99, cpu_us))
                log("   %-28s run %d: %9.0f req/s, p99 %7.2f ms, server CPU %6.1f us/request"
                    % (name, i + 1, rps, p99, cpu_us))

    def rps(self, name):
        return [r[0] for r in self.runs.get(name, [])]

    def p99(self, name):
        runs = self.runs.get(name)
        return median([r[1] for r in runs]) if runs else None

    def cpu_us(self, name):
        runs = self.runs.get(name)
        return median([r[2] for r in runs]) if runs else None


def p99_note(measures, names):
    parts = ["%s %.2f ms" % (label, measures.p99(name)) for label, name in names
             if measures.p99(name) is not None]
    return "p99 (median): " + ", ".join(parts) if parts else None


def http_part(work, emulator, rows):
    """Part 1: the ceiling and the single server."""
    endpoint = "http://127.0.0.1:%d/devstoreaccount1" % emulator.port
    env = dict(os.environ, CERULEAN_ALLOW_LOOPBACK_ENDPOINTS="true")
    server = Process.serve(env, os.path.join(work, "serve-sqlite"))
    nginx = common.Nginx.ceiling()
    try:
        base = "http://127.0.0.1:%d" % server.port
        token = sign_up(base, "bench@example.com")
        connection = arrange(base, token, endpoint)
        auth = ["Authorization: Bearer " + token]
        blobs = "/api/v1/azure_blob/connections/%d/blobs" % connection
        sas = call(base, "POST", blobs + "/sas",
                   {"container": "list", "permissions": "rl", "expires_in": 7200}, token)["url"]
        measures = Measures()
        log("== HTTP ceiling and one server (%s), wrk -t%d -c%d -d%s"
            % (DATABASE, THREADS, CONNECTIONS, DURATION))
        cer = [server.process.pid]
        measures.measure([
            ("nginx return 200", "http://127.0.0.1:%d/" % nginx.ports[0], [], nginx.pids),
            ("/healthz", base + "/healthz", [], cer),
            ("nginx, access log", "http://127.0.0.1:%d/" % nginx.ports[1], [], nginx.pids),
            ("/users/me", base + "/api/v1/users/me", auth, cer),
            ("connections", base + "/api/v1/azure_blob/connections", auth, cer),
        ], processes=[server, nginx])
        log("== blob listing, wrk -t%d -c%d -d%s" % (THREADS, LIST_CONNECTIONS, DURATION))
        azurite = [emulator.process.pid] + common.descendants(emulator.process.pid)
        measures.measure([
            ("listing, Azurite direct", sas + "&restype=container&comp=list&maxresults=100", [],
             azurite),
            ("listing, API", base + blobs + "?container=list&limit=100", auth, cer + azurite),
        ], connections=LIST_CONNECTIONS, processes=[server])
    finally:
        nginx.stop()
        server.stop()
    nginx_runs = measures.rps("nginx return 200")

    def ceiling_row(task, name, fastapi=None):
        quoted = {"fastapi": FASTAPI[fastapi][0]} if fastapi else None
        names = [("Cerulean", name), ("nginx", "nginx return 200")]
        logged = "nginx, access log"
        note = ("server CPU per request (median): Cerulean %.1f us, nginx %.1f us (%.2f), "
                "nginx with its access log %.1f us; nginx writing its access log: %.0f req/s "
                "(Cerulean / that: %.2f); %s" % (
                    measures.cpu_us(name), measures.cpu_us("nginx return 200"),
                    measures.cpu_us("nginx return 200") / measures.cpu_us(name),
                    measures.cpu_us(logged), median(measures.rps(logged)),
                    median(measures.rps(name)) / median(measures.rps(logged)),
                    p99_note(measures, names)))
        if fastapi:
            note += "; FastAPI (quoted) p99 " + FASTAPI[fastapi][1]
        rows.append(row(task, "req/s", True, {"cerulean": measures.rps(name),
                                              "nginx": nginx_runs},
                        quoted=quoted, notes=note,
                        p99_ms={"cerulean": measures.p99(name),
                                "nginx": measures.p99("nginx return 200")}))

    ceiling_row("GET /healthz (%s)" % DATABASE, "/healthz")
    ceiling_row("GET /api/v1/users/me (%s)" % DATABASE, "/users/me", "me")
    ceiling_row("GET /api/v1/azure_blob/connections, %d items (%s)" % (CONNECTION_COUNT,
                                                                     DATABASE),
                "connections", "connections")
    rows.append(row("GET .../blobs?limit=100 of %d blobs, -c%d (%s)"
                    % (LIST_COUNT, LIST_CONNECTIONS, DATABASE), "req/s", True,
                    {"cerulean": measures.rps("listing, API"),
                     "azurite": measures.rps("listing, Azurite direct")},
                    notes="%s; CPU per request: Azurite %.0f us directly, Cerulean + Azurite "
                    "%.0f us through the API" % (
                        p99_note(measures, [("Cerulean", "listing, API"),
                                            ("Azurite", "listing, Azurite direct")]),
                        measures.cpu_us("listing, Azurite direct"),
                        measures.cpu_us("listing, API"))))


class Cluster:
    """PostgreSQL, the schema migrated once, two `cerulean serve` without workers, nginx with
    two listeners: ports[0] balances over server a alone, ports[1] over a and b."""

    def __init__(self, work, endpoint):
        self.work = work
        self.servers, self.nginx = [], None
        self.postgres = common.Postgres()
        try:
            self._start(endpoint)
        except BaseException:
            self.stop()
            raise

    def _start(self, endpoint):
        work = self.work
        self.postgres.start()
        self.sync_root = os.path.join(work, "sync-root")
        os.makedirs(self.sync_root)
        self.env = dict(os.environ, CERULEAN_DATABASE_URL=self.postgres.create("bench"),
                        CERULEAN_SYNC_ROOT=self.sync_root, **CLUSTER_ENV)
        migrated = subprocess.run([CERULEAN, "migrate"], env=self.env, cwd=work,
                                  capture_output=True, text=True)
        if migrated.returncode != 0:
            raise SystemExit("cerulean migrate failed:\n" + migrated.stdout + migrated.stderr)
        serve_env = dict(self.env, CERULEAN_WORKERS="0")
        for name in ("a", "b"):
            self.servers.append(Process.serve(serve_env, os.path.join(work, "serve-" + name)))
        a, b = (s.port for s in self.servers)
        self.nginx = common.Nginx.proxy([[a], [a, b]])
        self.one, self.two = ("http://127.0.0.1:%d" % p for p in self.nginx.ports)
        self.token = sign_up(self.two, "cluster@example.com")
        self.connection = arrange(self.two, self.token, endpoint)

    def stop(self):
        if self.nginx:
            self.nginx.stop()
        for server in self.servers:
            server.stop()
        self.postgres.stop()


def scale_part(cluster, rows):
    """Part 2: the API routes through nginx in front of one and of two servers."""
    auth = ["Authorization: Bearer " + cluster.token]
    blobs = "/api/v1/azure_blob/connections/%d/blobs?container=list&limit=100" % cluster.connection
    measures = Measures()
    routes = [("/users/me", "/api/v1/users/me", CONNECTIONS),
              ("connections", "/api/v1/azure_blob/connections", CONNECTIONS),
              ("listing", blobs, LIST_CONNECTIONS)]
    for name, path, connections in routes:
        log("== PostgreSQL behind nginx: %s, 1 and 2 servers, wrk -t%d -c%d -d%s"
            % (name, THREADS, connections, DURATION))
        pids = [s.process.pid for s in cluster.servers] + cluster.nginx.pids + \
            common.descendants(cluster.postgres.process.pid)  # postgres's backends
        measures.measure([(name + ", 1 serve", cluster.one + path, auth, pids),
                          (name + ", 2 serves", cluster.two + path, auth, pids)],
                         connections=connections, processes=cluster.servers)
    tasks = {"/users/me": "GET /api/v1/users/me",
             "connections": "GET /api/v1/azure_blob/connections, %d items" % CONNECTION_COUNT,
             "listing": "GET .../blobs?limit=100 of %d blobs, -c%d" % (LIST_COUNT,
                                                                       LIST_CONNECTIONS)}
    for name, _, _ in routes:
        one, two = measures.rps(name + ", 1 serve"), measures.rps(name + ", 2 serves")
        for count, runs in ((1, one), (2, two)):
            note = p99_note(measures, [("Cerulean", "%s, %d serve%s" % (name, count,
                                                                        "s" if count > 1 else ""))])
            note += "; CPU per request of nginx, servers and PostgreSQL: %.0f us" % (
                measures.cpu_us("%s, %d serve%s" % (name, count, "s" if count > 1 else "")))
            if count == 2:
                note += "; 2 serves / 1 serve: %.2fx" % (median(two) / median(one))
            rows.append(row("%s, PostgreSQL, nginx + %d serve%s" % (tasks[name], count,
                                                                   "s" if count > 1 else ""),
                            "req/s", True, {"cerulean": runs}, notes=note))


def jobs_part(cluster, rows):
    """Part 3: sync jobs drained per second by one and by two worker processes."""
    base = cluster.two
    jobs_path = "/api/v1/azure_blob/connections/%d/sync_jobs" % cluster.connection
    worker_env = dict(cluster.env, CERULEAN_WORKERS=WORKER_THREADS)
    rates = {1: [], 2: []}
    walls = {1: [], 2: []}
    log("== sync jobs: %d downloads of %d x %d B, drained by 1 and 2 `cerulean worker` "
        "processes (CERULEAN_WORKERS=%s each)" % (JOBS, JOB_BLOBS, JOB_BLOB_SIZE, WORKER_THREADS))
    for i in range(RUNS):
        for count in ((1, 2) if i % 2 == 0 else (2, 1)):
            ids = [call(base, "POST", jobs_path,
                        {"direction": "download", "container": "jobs", "prefix": "src/",
                         "local_path": "r%d-w%d/j%04d" % (i, count, n)}, cluster.token)["id"]
                   for n in range(JOBS)]
            where = "job_id BETWEEN %d AND %d" % (min(ids), max(ids))
            time.sleep(SETTLE)
            start = time.perf_counter()
            workers = [Process(["worker"], worker_env,
                               os.path.join(cluster.work, "worker-%d-%d-%d" % (i, count, w)))
                       for w in range(count)]
            try:
                deadline = time.time() + 600
                while True:
                    done, failed = (int(x) for x in cluster.postgres.psql("bench", (
                        "SELECT COUNT(*) FILTER (WHERE status = 'succeeded'), COUNT(*) FILTER "
                        "(WHERE status IN ('failed', 'cancelled')) FROM azure_blob_sync_runs "
                        "WHERE " + where)).split("|"))
                    if failed:
                        raise SystemExit("bench/api: %d sync runs failed:\n%s" % (
                            failed, workers[0].tail()))
                    if done >= JOBS:
                        break
                    if time.time() > deadline:
                        raise SystemExit("bench/api: the jobs did not drain within 600 s")
                    time.sleep(0.1)
                wall = time.perf_counter() - start
            finally:
                for worker in workers:
                    worker.stop()
            first, last = (int(x) for x in cluster.postgres.psql("bench", (
                "SELECT MIN(started_at), MAX(finished_at) FROM azure_blob_sync_runs WHERE "
                + where)).split("|"))
            rate = JOBS / max((last - first) / 1000.0, 1e-3)
            rates[count].append(rate)
            walls[count].append(wall)
            log("   %d worker%s run %d: %.1f jobs/s (first start to last end %.2f s; %.2f s "
                "from starting the workers)" % (count, "s" if count > 1 else "", i + 1, rate,
                                                (last - first) / 1000.0, wall))
    for count in (1, 2):
        note = ("%d download jobs of %d x %d B; CERULEAN_WORKERS=%s per process; %.2f s from "
                "starting the workers (median)" % (JOBS, JOB_BLOBS, JOB_BLOB_SIZE,
                                                   WORKER_THREADS, median(walls[count])))
        if count == 2:
            note += "; 2 / 1 worker: %.2fx" % (median(rates[2]) / median(rates[1]))
        rows.append(row("sync jobs drained, PostgreSQL, %d `cerulean worker`%s" % (
            count, "s" if count > 1 else ""), "jobs/s", True, {"cerulean": rates[count]},
            notes=note))


def report(rows):
    print("Date: %s; machine: %s; load %s; medians of %d runs, wrk -t%d -c%d -d%s" % (
        time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), common.machine(), common.load(),
        RUNS, THREADS, CONNECTIONS, DURATION))
    print()
    print("| Row | unit | Cerulean | reference | Cerulean / reference | notes |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        values = {t: median(v) for t, v in r["values"].items()}
        values.update(r.get("quoted", {}))
        cer = values.pop("cerulean")
        ref = ", ".join("%s %.0f%s" % (t, v, " (quoted)" if t in r.get("quoted", {}) else "")
                        for t, v in values.items())
        ratio = ", ".join("%.2f" % (cer / v) for v in values.values())
        print("| %s | %s | %.1f | %s | %s | %s |" % (r["task"], r["unit"], cer, ref, ratio,
                                                     r.get("notes", "")))


def main():
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            raise SystemExit("bench/api: %s is missing: run scripts/setup --bench" % tool)
    if not os.access(CERULEAN, os.X_OK):
        raise SystemExit("bench/api: %s is missing: run make build" % CERULEAN)
    work = tempfile.mkdtemp(prefix="cerulean-bench-api-", dir="/dev/shm")
    emulator = Emulator(work)
    rows = []
    cluster = None
    try:
        emulator.start()
        endpoint = "http://127.0.0.1:%d/devstoreaccount1" % emulator.port
        env = dict(os.environ, AZURE_STORAGE_CONNECTION_STRING=(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=%s;"
            "BlobEndpoint=%s;" % (KEY, endpoint)))
        fill_emulator(work, env)
        if "http" in PARTS:
            http_part(work, emulator, rows)
        if "scale" in PARTS or "jobs" in PARTS:
            cluster = Cluster(work, endpoint)
            if "scale" in PARTS:
                scale_part(cluster, rows)
            if "jobs" in PARTS:
                jobs_part(cluster, rows)
    finally:
        if cluster:
            cluster.stop()
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)
    report(rows)
    common.write_rows(rows, "/tmp/cerulean-bench-api.json")


if __name__ == "__main__":
    main()
