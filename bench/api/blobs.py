#!/usr/bin/python3
"""bench/api/blobs.py: the rows of issue 5, side by side on one in-memory Azurite.

- a 1 GiB upload and download through the API (curl against `cerulean serve`) against the same
  transfer straight to Azurite with `cerulean blob` (goal: within 15%);
- `GET .../blobs?limit=100` on a container of 1,000 blobs under wrk, against the emulator's own
  List Blobs answered directly (with a SAS) (goal: within 10% of the emulator's rate).

Run: make build && scripts/setup --bench && bench/api/blobs.py   (BENCH_RUNS, BENCH_BIG_MIB)
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bench", "transfer"))
from bench import CERULEAN, KEY, SETTLE, Emulator, free_port, wait_port  # noqa: E402
import common  # noqa: E402  (bench/common.py, on the path bench/transfer/bench.py sets)
from common import call  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
BIG = int(os.environ.get("BENCH_BIG_MIB", "1024")) << 20
LIST_COUNT = 1000
# BENCH_BLOBS_LISTING=0 leaves the listing out (`make bench` measures it in bench/api/bench.py).
LISTING = os.environ.get("BENCH_BLOBS_LISTING", "1") != "0"


def wrk(url, headers=()):
    rps, p99, errors, _ = common.wrk(url, 2, 8, "10s", headers)
    if errors:
        raise SystemExit("wrk saw %d errors from %s" % (errors, url))
    return rps, "%.2fms" % p99


def cpu_seconds(pid):
    """User + system CPU seconds of a running process."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(cmd, env, server_pid):
    """Runs cmd; returns (wall seconds, the command's CPU seconds, the server's CPU seconds)."""
    server_before = cpu_seconds(server_pid)
    start = time.perf_counter()
    child = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit("failed (%d): %s\n%s" % (child.returncode, " ".join(cmd),
                                                  child.stderr.read().decode()[-2000:]))
    return wall, usage.ru_utime + usage.ru_stime, cpu_seconds(server_pid) - server_before


def main():
    work = tempfile.mkdtemp(prefix="cerulean-bench-blobs-", dir="/dev/shm")
    emulator = Emulator(work)
    server = None
    try:
        emulator.start()
        endpoint = "http://127.0.0.1:%d/devstoreaccount1" % emulator.port
        cs = ("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=%s;"
              "BlobEndpoint=%s;" % (KEY, endpoint))
        env = dict(os.environ, AZURE_STORAGE_CONNECTION_STRING=cs)
        port = free_port()
        base = "http://127.0.0.1:%d" % port
        server_env = dict(env, CERULEAN_LISTEN="127.0.0.1:%d" % port,
                          CERULEAN_ALLOW_LOOPBACK_ENDPOINTS="true", CERULEAN_LOG_LEVEL="warn")
        server = subprocess.Popen([CERULEAN, "serve"], cwd=work, env=server_env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(port)
        call(base, "POST", "/api/v1/auth/register", {"email": "b@x.io", "password": "password123"})
        token = call(base, "POST", "/api/v1/auth/token",
                     {"username": "b@x.io", "password": "password123"})["access_token"]
        conn = call(base, "POST", "/api/v1/azure_blob/connections",
                    {"name": "bench", "auth_type": "connection_string",
                     "credentials": {"connection_string": cs}}, token)["id"]
        prefix = "/api/v1/azure_blob/connections/%d" % conn
        auth = "Authorization: Bearer " + token

        big = os.path.join(work, "big.bin")
        with open(big, "wb") as f:
            remaining = BIG
            while remaining:
                chunk = os.urandom(min(remaining, 8 << 20))
                f.write(chunk)
                remaining -= len(chunk)

        # Each upload starts on a fresh emulator (an in-memory Azurite holding gigabytes slows
        # down), the order of API and CLI alternating between runs; both downloads read the
        # same blob. CPU seconds are the client's and the server's (from /proc) for each row.
        upload_api = ["curl", "-sf", "-o", "/dev/null", "-X", "POST", "-T", big,
                      "-H", "Content-Type: application/octet-stream", "-H", auth,
                      base + prefix + "/blobs?container=big&name=big.bin"]
        # The server stores the whole blob's MD5 and a transactional MD5 per block; the CLI does
        # the same work with --checksum both (its default skips the whole-blob MD5).
        upload_cli = [CERULEAN, "blob", "put", "--checksum", "both", big, "az://big/big.bin"]
        rows = {k: [] for k in ("api_up", "cli_up", "api_down", "cli_down")}
        for i in range(RUNS):
            ups = [("api_up", upload_api), ("cli_up", upload_cli)]
            for key, cmd in ups if i % 2 == 0 else reversed(ups):
                emulator.stop()
                emulator.start()
                subprocess.run([CERULEAN, "blob", "mb", "az://big"], env=env, check=True)
                time.sleep(SETTLE)
                rows[key].append(timed(cmd, env, server.pid))
            downs = [("api_down", ["curl", "-sf", "-o", "/dev/null", "-H", auth,
                                   base + prefix + "/blobs/content?container=big&name=big.bin"]),
                     ("cli_down", [CERULEAN, "blob", "get", "az://big/big.bin", "-"])]
            for key, cmd in downs if i % 2 == 0 else reversed(downs):
                time.sleep(SETTLE)
                rows[key].append(timed(cmd, env, server.pid))
        emulator.stop()
        direct = through = None
        if LISTING:
            emulator.start()
            for container in ("big", "list"):
                subprocess.run([CERULEAN, "blob", "mb", "az://" + container], env=env, check=True)

            small = os.path.join(work, "small")
            os.makedirs(small)
            for i in range(LIST_COUNT):
                open(os.path.join(small, "f%04d.txt" % i), "w").close()
            subprocess.run([CERULEAN, "blob", "put", "--recursive", small, "az://list/"], env=env,
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            sas = call(base, "POST", prefix + "/blobs/sas",
                       {"container": "list", "permissions": "rl", "expires_in": 3600}, token)["url"]
            direct = wrk(sas + "&restype=container&comp=list&maxresults=100")
            through = wrk(base + prefix + "/blobs?container=list&limit=100", [auth])
    finally:
        if server:
            server.terminate()
            server.wait()
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)
    report(rows, direct, through)


def report(rows, direct, through):
    """Prints the tables; writes `make bench`'s rows (bench/common.py) to $BENCH_JSON."""
    def med(key, column):
        return statistics.median(r[column] for r in rows[key])

    print("| row | through the API | cerulean blob (direct) | API / direct "
          "| CPU: curl + server | CPU: cerulean blob |")
    print("|---|---|---|---|---|---|")
    for name, api_key, cli_key in (("%d MiB upload" % (BIG >> 20), "api_up", "cli_up"),
                                   ("%d MiB download" % (BIG >> 20), "api_down", "cli_down")):
        print("| %s | %.2f s | %.2f s | %.2f | %.2f + %.2f s | %.2f s |" % (
            name, med(api_key, 0), med(cli_key, 0), med(api_key, 0) / med(cli_key, 0),
            med(api_key, 1), med(api_key, 2), med(cli_key, 1)))
    out = []
    for name, api_key, cli_key in (("%d MiB upload through the API" % (BIG >> 20), "api_up",
                                    "cli_up"),
                                   ("%d MiB download through the API" % (BIG >> 20), "api_down",
                                    "cli_down")):
        out.append(common.row(
            name, "s", False, {"cerulean": [r[0] for r in rows[api_key]],
                               "cli": [r[0] for r in rows[cli_key]]},
            notes="CPU s (median): curl %.2f + server %.2f, cerulean blob %.2f" % (
                med(api_key, 1), med(api_key, 2), med(cli_key, 1))))
    if direct:
        print()
        print("| list 100 of %d blobs (wrk -t2 -c8 -d10s) | req/s | p99 |" % LIST_COUNT)
        print("|---|---|---|")
        print("| Azurite directly (SAS) | %.0f | %s |" % direct)
        print("| through the API | %.0f | %s |" % through)
        print("| API / Azurite | %.2f | |" % (through[0] / direct[0]))
        out.append(common.row("GET .../blobs?limit=100 of %d blobs, -c8, one run" % LIST_COUNT,
                              "req/s", True, {"cerulean": [through[0]], "azurite": [direct[0]]},
                              notes="p99: API %s, Azurite %s" % (through[1], direct[1])))
    print("\nmedians of %d runs; %s" % (RUNS, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())))
    common.write_rows(out, "/tmp/cerulean-bench-blobs.json")


if __name__ == "__main__":
    main()
