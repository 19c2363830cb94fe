#!/usr/bin/python3
"""bench/transfer: `cerulean blob` against rclone, Azure's Python SDK and plain curl, on one
in-memory Azurite. Medians of BENCH_RUNS (3) runs; peak client RSS from /usr/bin/time."""

import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HERE = os.path.dirname(os.path.abspath(__file__))
CERULEAN = os.environ.get("CERULEAN", os.path.join(ROOT, "build", "cerulean"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
BIG = int(os.environ.get("BENCH_BIG_MIB", "1024")) << 20
SMALL_COUNT = int(os.environ.get("BENCH_SMALL_COUNT", "2000"))
SMALL_SIZE = 4096
LIST_COUNT = int(os.environ.get("BENCH_LIST_COUNT", "10000"))
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
PY = ["/usr/bin/python3", os.path.join(HERE, "py_client.py")]
TOOLS = ["cerulean", "rclone", "python", "curl"]
SETTLE = float(os.environ.get("BENCH_SETTLE", "1.5"))
sys.path.insert(0, os.path.join(HERE, ".."))
import common  # noqa: E402  (bench/common.py)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds=30):
    end = time.time() + seconds
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("azurite did not start")


def run(cmd, env, quiet=True):
    """Runs cmd under /usr/bin/time; returns (wall seconds, peak RSS KiB)."""
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "RSS=%M"] + cmd, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        raise SystemExit("failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), p.stderr[-2000:]))
    rss = 0
    for line in p.stderr.splitlines():
        if line.startswith("RSS="):
            rss = int(line[4:])
    return wall, rss


class Emulator:
    """One in-memory Azurite on a fixed port, restartable: an emulator holding gigabytes of
    deleted blobs slows down (and may run out of memory), so rows that write start afresh."""

    def __init__(self, work):
        self.work = work
        self.port = free_port()
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [os.path.join(ROOT, "node_modules", ".bin", "azurite-blob"), "--blobHost",
             "127.0.0.1", "--blobPort", str(self.port), "--disableTelemetry",
             "--skipApiVersionCheck", "--loose", "--silent", "--inMemoryPersistence"],
            cwd=self.work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait()
            self.process = None


def main():
    work = tempfile.mkdtemp(prefix="cerulean-bench-", dir="/dev/shm")
    emulator = Emulator(work)
    try:
        emulator.start()
        endpoint = "http://127.0.0.1:%d/devstoreaccount1" % emulator.port
        cs = ("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=%s;"
              "BlobEndpoint=%s;" % (KEY, endpoint))
        env = dict(os.environ, AZURE_STORAGE_CONNECTION_STRING=cs)
        results = bench(work, env, endpoint, emulator)
    finally:
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)
    report(results)


def cer(*args):
    return [CERULEAN, "blob"] + list(args)


def bench(work, env, endpoint, emulator):
    def sh(cmd):
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)

    def fresh():
        emulator.stop()
        emulator.start()
        sh(cer("mb", "az://bench"))
        sh(cer("mb", "az://listing"))

    sh(cer("mb", "az://bench"))
    sh(cer("mb", "az://listing"))
    sas = subprocess.run(PY + ["sas", "bench"], env=env, check=True, capture_output=True,
                         text=True).stdout.strip()
    list_sas = subprocess.run(PY + ["sas", "listing"], env=env, check=True, capture_output=True,
                              text=True).stdout.strip()
    base = endpoint + "/bench"
    # rclone 1.60 builds https://ACCOUNT.ENDPOINT from an endpoint; a container SAS URL is how
    # it reaches an emulator on another port.
    env.update(RCLONE_CONFIG_AZ_TYPE="azureblob", RCLONE_CONFIG_AZ_SAS_URL=base + "?" + sas,
               RCLONE_CONFIG_AZL_TYPE="azureblob",
               RCLONE_CONFIG_AZL_SAS_URL=endpoint + "/listing?" + list_sas)
    big = os.path.join(work, "big")
    with open(big, "wb") as f:
        for _ in range(BIG >> 20):
            f.write(os.urandom(1 << 20))
    small = os.path.join(work, "small")
    os.makedirs(small)
    for i in range(SMALL_COUNT):
        with open(os.path.join(small, "f%04d" % i), "wb") as f:
            f.write(os.urandom(SMALL_SIZE))
    listing = os.path.join(work, "listing")
    os.makedirs(listing)
    for i in range(LIST_COUNT):
        open(os.path.join(listing, "b%05d" % i), "wb").close()
    out = os.path.join(work, "out")

    rows = []

    def row(title, commands, cleanup, rss=False):
        print("== " + title, file=sys.stderr)
        tools = list(commands)
        times = {t: [] for t in tools}
        peaks = {t: 0 for t in tools}
        for i in range(RUNS):
            # Each run starts with another tool, and each tool after a pause, so that no tool
            # always meets the emulator busy collecting what the previous one left.
            for tool in tools[i % len(tools):] + tools[:i % len(tools)]:
                cleanup()
                time.sleep(SETTLE)
                wall, peak = run(commands[tool], env)
                times[tool].append(wall)
                peaks[tool] = max(peaks[tool], peak)
                print("   %-9s run %d: %.2f s, %d MiB" % (tool, i + 1, wall, peak >> 10),
                      file=sys.stderr)
        cleanup()
        rows.append({"title": title, "median": {t: statistics.median(v) for t, v in times.items()},
                     "runs": times, "rss_kib": peaks if rss else None})

    def clean_remote(prefix):
        def go():
            fresh()  # not timed
        return go

    def clean_local():
        if os.path.isdir(out):
            shutil.rmtree(out)
        elif os.path.exists(out):
            os.remove(out)

    size_label = "%d MiB" % (BIG >> 20) if BIG != 1 << 30 else "1 GiB"
    row(size_label + " upload", {
        "cerulean": cer("put", big, "az://bench/up/cer"),
        "cerulean-both": cer("put", big, "az://bench/up/cer3", "--checksum", "both"),
        "cerulean-nomd5": cer("put", big, "az://bench/up/cer2", "--no-checksum"),
        "rclone": ["rclone", "copyto", big, "az:bench/up/rclone", "--azureblob-chunk-size", "8M",
                   "--azureblob-upload-concurrency", "8"],
        "python": PY + ["upload", "bench", big, "up/python"],
        "curl": ["curl", "-sSf", "-X", "PUT", "-T", big, "-H", "x-ms-blob-type: BlockBlob",
                 "-o", "/dev/null", base + "/up/curl?" + sas],
    }, clean_remote("up/"), rss=True)

    fresh()
    # The source carries its whole MD5 (put's default stores it only for one-request blobs), so
    # that cerulean's default download checks it, as it did when put stored it by default.
    sh(cer("put", big, "az://bench/down-1g", "--checksum", "both"))
    row(size_label + " download", {
        "cerulean": cer("get", "az://bench/down-1g", out),
        "cerulean-nomd5": cer("get", "az://bench/down-1g", out, "--no-checksum"),
        "rclone": ["rclone", "copyto", "az:bench/down-1g", out, "--multi-thread-streams", "8"],
        "python": PY + ["download", "bench", "down-1g", out],
        "curl": ["curl", "-sSf", "-o", out, base + "/down-1g?" + sas],
    }, clean_local, rss=True)

    # One curl process, 16 transfers at a time (--parallel), as fast as curl goes.
    put_config = os.path.join(work, "curl-put.cfg")
    get_config = os.path.join(work, "curl-get.cfg")
    with open(put_config, "w") as f, open(get_config, "w") as g:
        for name in sorted(os.listdir(small)):
            f.write('upload-file = "%s/%s"\nurl = "%s/many/curl/%s?%s"\noutput = "/dev/null"\n'
                    % (small, name, base, name, sas))
            g.write('url = "%s/many-src/%s?%s"\noutput = "%s/%s"\n' % (base, name, sas, out, name))
    curl_many = ["curl", "-sSf", "--parallel", "--parallel-max", "16", "-H",
                 "x-ms-blob-type: BlockBlob"]
    curl_put_many = curl_many + ["-K", put_config]
    row("%d x 4 KiB upload" % SMALL_COUNT, {
        "cerulean": cer("put", "--recursive", small, "az://bench/many/cer/"),
        "rclone": ["rclone", "copy", small, "az:bench/many/rclone", "--transfers", "32",
                   "--checkers", "32"],
        "python": PY + ["upload-many", "bench", small, "many/python/"],
        "curl": curl_put_many,
    }, clean_remote("many/"))

    curl_get_many = ["bash", "-c", "mkdir -p '%s' && exec curl -sSf --parallel --parallel-max 16 "
                     "-K '%s'" % (out, get_config)]
    fresh()
    sh(cer("put", "--recursive", small, "az://bench/many-src/"))
    row("%d x 4 KiB download" % SMALL_COUNT, {
        "cerulean": cer("get", "--recursive", "az://bench/many-src/", out),
        "rclone": ["rclone", "copy", "az:bench/many-src", out, "--transfers", "32",
                   "--checkers", "32"],
        "python": PY + ["download-many", "bench", "many-src/", out],
        "curl": curl_get_many,
    }, clean_local)

    curl_list = ("m=''; while :; do r=$(curl -sSf \"%s/listing?restype=container&comp=list&"
                 "%s&marker=$m\"); m=$(printf '%%s' \"$r\" | sed -n "
                 "'s/.*<NextMarker>\\([^<]*\\)<\\/NextMarker>.*/\\1/p'); "
                 "[ -z \"$m\" ] && break; done" % (endpoint, list_sas))
    fresh()
    sh(cer("put", "--recursive", listing, "az://listing/"))
    row("list %d blobs" % LIST_COUNT, {
        "cerulean": cer("ls", "--recursive", "az://listing"),
        "rclone": ["rclone", "lsf", "azl:listing"],
        "python": PY + ["list", "listing"],
        "curl": ["bash", "-c", curl_list],
    }, lambda: None)
    return rows


def report(rows):
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    print("Date: %s; machine: %s, %d cores, %s; medians of %d runs" % (
        time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), cpu, os.cpu_count(),
        platform.platform(), RUNS))
    print()
    print("Seconds (lower is better); a ratio is peer time / cerulean time (above 1: cerulean "
          "is faster).")
    print()
    print("| Row | cerulean | rclone | Python SDK | curl | rclone / cer. | Python / cer. "
          "| curl / cer. | cerulean --checksum both | cerulean --no-checksum |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        m = r["median"]
        c = m["cerulean"]
        both = "%.2f s" % m["cerulean-both"] if "cerulean-both" in m else "-"
        extra = "%.2f s" % m["cerulean-nomd5"] if "cerulean-nomd5" in m else "-"
        print("| %s | %.2f s | %.2f s | %.2f s | %.2f s | %.2f | %.2f | %.2f | %s | %s |" % (
            r["title"], c, m["rclone"], m["python"], m["curl"], m["rclone"] / c, m["python"] / c,
            m["curl"] / c, both, extra))
    print()
    print("Peak client RSS (MiB, the largest of the runs):")
    print()
    print("| Row | cerulean | rclone | Python SDK | curl | cerulean --checksum both "
          "| cerulean --no-checksum |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        if r["rss_kib"]:
            k = r["rss_kib"]
            both = "%d" % (k["cerulean-both"] >> 10) if "cerulean-both" in k else "-"
            print("| %s | %d | %d | %d | %d | %s | %d |" % (
                r["title"], k["cerulean"] >> 10, k["rclone"] >> 10, k["python"] >> 10,
                k["curl"] >> 10, both, k.get("cerulean-nomd5", 0) >> 10))
    with open(os.environ.get("BENCH_JSON", "/tmp/cerulean-bench-transfer.json"), "w") as f:
        json.dump([merged_row(r) for r in rows], f, indent=1)


def merged_row(r):
    """A row as printed above, with the keys of `make bench`'s rows (bench/common.py) added:
    seconds, lower is better, every run; the peak RSS in the notes."""
    notes = None
    if r["rss_kib"]:
        notes = "peak RSS MiB: " + ", ".join("%s %d" % (t, k >> 10)
                                             for t, k in r["rss_kib"].items())
    return dict(r, **common.row(r["title"], "s", False, r["runs"], notes=notes))


if __name__ == "__main__":
    main()
