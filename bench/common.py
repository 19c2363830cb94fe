#!/usr/bin/python3
"""What the benchmarks share: their rows in the one format `make bench` (bench/all) merges, the
machine's description, wrk, and throwaway PostgreSQL and nginx servers on loopback.

A row (one task measured with one or more tools), as each bench writes it to $BENCH_JSON:

    {"task": "1 GiB upload", "unit": "s", "higher_is_better": false,
     "values": {"cerulean": [3.1, 3.2, 3.0], "rclone": [5.5, 5.6, 5.7], ...},   # every run
     "quoted": {"fastapi": 2408},      # optional: figures quoted from elsewhere, not measured
     "notes": "p99 1.3 ms"}            # optional

Tools (keys of values/quoted): cerulean, and variants of it named "cerulean-..." (another
flag); the peers rclone, python (Azure's Python SDK), fastapi (quoted); the ceilings curl, nginx,
azurite (the emulator answering directly), cli (`cerulean blob` straight to storage, for the
rows that go through the API). Nothing here asserts a time: the benches print and record.
"""

import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")


def median(values):
    return statistics.median(values)


def row(task, unit, higher_is_better, values, quoted=None, notes=None, **extra):
    """A row in the format above; `extra` keys (p99s, RSS...) are kept for readers of the JSON."""
    out = {"task": task, "unit": unit, "higher_is_better": higher_is_better,
           "values": {tool: list(runs) for tool, runs in values.items() if runs}}
    if quoted:
        out["quoted"] = quoted
    if notes:
        out["notes"] = notes
    out.update(extra)
    return out


def write_rows(rows, default_path):
    """Writes rows to $BENCH_JSON (default `default_path`); returns the path."""
    path = os.environ.get("BENCH_JSON", default_path)
    with open(path, "w") as f:
        json.dump(rows, f, indent=1)
    return path


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


def machine():
    """'N cores, CPU model, kernel, RAM' of this machine."""
    memory = ""
    try:
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
        memory = ", %d GiB RAM" % round(kib / (1 << 20))
    except (OSError, ValueError, IndexError):
        pass
    return "%d cores, %s, Linux %s%s" % (os.cpu_count(), cpu_model(), platform.release(), memory)


def load():
    """The load averages (1, 5, 15 min) as text."""
    return " ".join("%.2f" % x for x in os.getloadavg())


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds=30, process=None, what="server"):
    end = time.time() + seconds
    while time.time() < end:
        if process is not None and process.poll() is not None:
            raise SystemExit("%s exited (%s) before listening on %d" % (what, process.returncode,
                                                                        port))
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("%s did not listen on %d within %d s" % (what, port, seconds))


def stop(process, sig=signal.SIGTERM, grace=20):
    """Stops a child process (by its own pid) and waits for it."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def call(base, method, path, body=None, token=None, content_type="application/json"):
    """One API request; its JSON answer (None when empty). Raises on a status >= 400."""
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", content_type)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request) as response:
        text = response.read()
    return json.loads(text) if text else None


# --- wrk -------------------------------------------------------------------------------------

def cpu_seconds(pids):
    """User + system CPU seconds of the running processes `pids`, all their threads."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def descendants(pid):
    """The pids of `pid`'s child processes, theirs, and so on."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, frontier = [], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def wrk(url, threads=2, connections=32, duration="10s", headers=()):
    """One wrk run: (requests/s, p99 in ms, non-2xx count, requests)."""
    cmd = ["wrk", "-t%d" % threads, "-c%d" % connections, "-d%s" % duration, "--latency"]
    for header in headers:
        cmd += ["-H", header]
    out = subprocess.run(cmd + [url], check=True, capture_output=True, text=True).stdout
    rps = next(float(line.split()[1]) for line in out.splitlines()
               if line.startswith("Requests/sec"))
    p99 = next(line.split()[1] for line in out.splitlines() if line.strip().startswith("99%"))
    errors = requests = 0
    for line in out.splitlines():
        if "Non-2xx" in line:
            errors = int(line.split()[-1])
        if " requests in " in line:
            requests = int(line.split()[0])
    return rps, _ms(p99), errors, requests


def _ms(text):
    """wrk's '1.31ms' / '63.00us' / '1.20s' in milliseconds."""
    for suffix, scale in (("us", 1e-3), ("ms", 1.0), ("s", 1e3), ("m", 6e4)):
        if text.endswith(suffix):
            return float(text[:-len(suffix)]) * scale
    return float(text)


# --- PostgreSQL ------------------------------------------------------------------------------

class Postgres:
    """A throwaway PostgreSQL on loopback, as tests/support/postgres_server.cpp starts one:
    initdb with trust auth in a temp dir, postgres run as the `postgres` user through runuser
    when we are root, fsync off. `url(db)` names a database made by `create(db)`."""

    USER = "cerulean"

    def __init__(self):
        self.bin = self._bin_dir()
        self.dir = tempfile.mkdtemp(prefix="cerulean-bench-pg-")
        self.data = os.path.join(self.dir, "data")
        self.port = None
        self.process = None
        self.as_root = os.geteuid() == 0

    @staticmethod
    def _bin_dir():
        best, best_version = None, -1.0
        base = "/usr/lib/postgresql"
        for name in os.listdir(base) if os.path.isdir(base) else []:
            try:
                version = float(name)
            except ValueError:
                continue
            if version > best_version and os.path.exists(os.path.join(base, name, "bin",
                                                                       "postgres")):
                best, best_version = os.path.join(base, name, "bin"), version
        if not best:
            raise SystemExit("PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin)")
        return best

    def _as_postgres(self, argv):
        return ["runuser", "-u", "postgres", "--"] + argv if self.as_root else argv

    def start(self):
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(self._as_postgres(
            [os.path.join(self.bin, "initdb"), "-D", self.data, "-A", "trust", "-U", self.USER,
             "-E", "UTF8", "--no-locale", "--no-sync"]), check=True, cwd=self.dir,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.port = free_port()
        self.log = open(os.path.join(self.dir, "postgres.log"), "w")
        self.process = subprocess.Popen(self._as_postgres(
            [os.path.join(self.bin, "postgres"), "-D", self.data, "-p", str(self.port), "-k",
             self.dir, "-h", "127.0.0.1", "-F", "-c", "fsync=off", "-c",
             "synchronous_commit=off", "-c", "full_page_writes=off", "-c",
             "max_connections=200"]), cwd=self.dir, stdout=self.log, stderr=self.log)
        end = time.time() + 60
        while time.time() < end:
            if self.process.poll() is not None:
                raise SystemExit("postgres exited while starting; see " + self.log.name)
            if subprocess.run([os.path.join(self.bin, "pg_isready"), "-q", "-h", "127.0.0.1",
                               "-p", str(self.port), "-U", self.USER, "-d", "postgres"]
                              ).returncode == 0:
                return self
            time.sleep(0.1)
        raise SystemExit("postgres did not accept connections within 60 s")

    def url(self, database):
        return "postgresql://%s@127.0.0.1:%d/%s" % (self.USER, self.port, database)

    def create(self, database):
        self.psql("postgres", 'CREATE DATABASE "%s"' % database)
        return self.url(database)

    def psql(self, database, sql):
        """Runs `sql`; its unaligned, tuples-only output."""
        return subprocess.run(
            [os.path.join(self.bin, "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
             "-d", self.url(database), "-c", sql], check=True, capture_output=True,
            text=True).stdout.strip()

    def stop(self):
        if self.process and self.process.poll() is None:
            # SIGINT (fast shutdown) to the postmaster itself: runuser does not forward it.
            try:
                with open(os.path.join(self.data, "postmaster.pid")) as f:
                    os.kill(int(f.readline()), signal.SIGINT)
            except (OSError, ValueError):
                self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        shutil.rmtree(self.dir, ignore_errors=True)


# --- nginx -----------------------------------------------------------------------------------

NGINX_DEPLOY = os.environ.get("BENCH_NGINX_DEPLOY", os.path.join(ROOT, "deploy", "nginx"))


def documented_upstream(name, ports, deploy=NGINX_DEPLOY):
    """deploy/nginx/cerulean.conf's `upstream cerulean { ... }` block renamed `name`, its server
    lines replaced by one per port on 127.0.0.1 (as tests/cli/nginx_fixture.hpp does)."""
    with open(os.path.join(deploy, "cerulean.conf")) as f:
        site = f.read()
    begin = site.find("upstream cerulean {")
    end = site.find("\n}", begin) if begin >= 0 else -1
    if end < 0:
        raise SystemExit(deploy + "/cerulean.conf has no `upstream cerulean { ... }` block")
    lines, replaced = ["upstream %s {" % name], False
    for line in site[begin:end + 2].splitlines()[1:]:
        if line.strip().startswith("server "):
            if not replaced:
                lines += ["    server 127.0.0.1:%d;" % p for p in ports]
            replaced = True
            continue
        lines.append(line)
    if not replaced:
        raise SystemExit(deploy + "/cerulean.conf: no `server` line in the upstream block")
    return "\n".join(lines) + "\n"


class Nginx:
    """Debian's nginx on loopback, started with -p/-c on a temp dir, worker_processes matching
    the cores: `http_body` in its http block, and one server block on a free port (self.ports)
    per text of `listeners`. See ceiling() and proxy()."""

    def __init__(self, http_body, listeners):
        self.dir = tempfile.mkdtemp(prefix="cerulean-bench-nginx-")
        self.ports = [free_port() for _ in listeners]
        temp = os.path.join(self.dir, "temp")
        os.makedirs(temp)
        servers = "".join(
            "    server {\n        listen 127.0.0.1:%d;\n%s    }\n" % (port, body)
            for port, body in zip(self.ports, listeners))
        conf = ("worker_processes %d;\nevents { worker_connections 4096; }\nhttp {\n"
                "    access_log off;\n    client_body_temp_path %s/body;\n"
                "    proxy_temp_path %s/proxy;\n    fastcgi_temp_path %s/fastcgi;\n"
                "    uwsgi_temp_path %s/uwsgi;\n    scgi_temp_path %s/scgi;\n%s%s}\n"
                % (os.cpu_count(), temp, temp, temp, temp, temp, http_body, servers))
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        error_log = os.path.join(self.dir, "error.log")
        self.process = subprocess.Popen(
            ["nginx", "-p", self.dir, "-c", self.conf, "-e", error_log, "-g",
             "daemon off; pid %s/nginx.pid; error_log %s warn;" % (self.dir, error_log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for port in self.ports:
            wait_port(port, 30, self.process, "nginx")
        self.pids = [self.process.pid] + descendants(self.process.pid)  # master and workers

    @classmethod
    def ceiling(cls):
        """nginx answering every request itself with 200 and {"status":"ok"} (the body of
        Cerulean's /healthz), keep-alive without a request limit: the HTTP ceiling. ports[0]
        logs nothing; ports[1] writes nginx's default access log line per request to a file
        (Cerulean logs every request too)."""
        body = ("        keepalive_requests 1000000;\n%s        location / {\n"
                "            default_type application/json;\n"
                "            return 200 '{\"status\":\"ok\"}';\n        }\n")
        return cls("", [body % "", body % "        access_log access.log;\n"])

    def truncate(self):
        """Empties the access log (it grows by megabytes a second under wrk)."""
        path = os.path.join(self.dir, "access.log")
        if os.path.exists(path):
            os.truncate(path, 0)

    @classmethod
    def proxy(cls, groups, deploy=NGINX_DEPLOY):
        """nginx in front of `cerulean serve` processes configured with deploy/nginx's files: one
        listener per group of server ports, balancing over that group."""
        upstreams = "".join(documented_upstream("cerulean_%d" % i, ports, deploy)
                            for i, ports in enumerate(groups))
        bodies = ["        location / {\n            proxy_pass http://cerulean_%d;\n"
                  "            include %s;\n        }\n"
                  % (i, os.path.join(deploy, "cerulean-proxy.conf")) for i in range(len(groups))]
        return cls(upstreams, bodies)

    def stop(self):
        stop(self.process, signal.SIGQUIT)
        shutil.rmtree(self.dir, ignore_errors=True)
