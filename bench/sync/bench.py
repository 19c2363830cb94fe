#!/usr/bin/python3
"""bench/sync: `cerulean blob sync` against `rclone sync` (tuned with --transfers/--checkers) on
one in-memory Azurite, with bench/transfer's emulator, timed runs and SAS client. Medians of
BENCH_RUNS (3) runs; peak client RSS from /usr/bin/time."""

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "transfer"))
import bench as transfer  # noqa: E402  (bench/transfer/bench.py)

RUNS = transfer.RUNS
BIG = transfer.BIG
SMALL_COUNT = int(os.environ.get("BENCH_SMALL_COUNT", "2000"))
SMALL_SIZE = 4096
NOOP_COUNT = int(os.environ.get("BENCH_NOOP_COUNT", "10000"))
NOOP_SIZE = 1024
PLAN_COUNTS = [int(n) for n in os.environ.get("BENCH_PLAN_COUNTS", "10000,100000").split(",")]
# rclone as a power user tunes it for many files (as bench/transfer does) and for one big one.
RCLONE_MANY = ["--transfers", "32", "--checkers", "32"]
RCLONE_BIG_UP = ["--azureblob-chunk-size", "8M", "--azureblob-upload-concurrency", "8"]
RCLONE_BIG_DOWN = ["--multi-thread-streams", "8"]


def rclone(*args):
    return ["rclone", "sync"] + list(args)


def cer_sync(*args):
    return transfer.cer("sync", *args)


def fill(folder, count, size):
    os.makedirs(folder)
    for i in range(count):
        with open(os.path.join(folder, "f%06d" % i), "wb") as f:
            f.write(os.urandom(size))


class DiskEmulator(transfer.Emulator):
    """An Azurite that keeps its database in `location` (on tmpfs), on the port of another, so
    that a container of many blobs can be written straight into the database file: Azurite's Put
    Blob scans every blob of the account (LokiJS looks blobs up by the first indexed field, the
    account), so 100,000 blobs put through the API take most of an hour, longer each."""

    def __init__(self, work, location, port):
        super().__init__(work)
        self.location = location
        self.port = port

    def start(self):
        self.process = subprocess.Popen(
            [os.path.join(transfer.ROOT, "node_modules", ".bin", "azurite-blob"), "--blobHost",
             "127.0.0.1", "--blobPort", str(self.port), "--disableTelemetry", "--loose",
             "--skipApiVersionCheck", "--silent", "--location", self.location],
            cwd=self.work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        transfer.wait_port(self.port, 300)


def fill_plan_database(seeded, location, count):
    """Writes into `location` the database `seeded` (one container "bench" holding the empty
    blob "plan/seed") with that blob repeated as plan/b000000 and on, `count` blobs."""
    with open(os.path.join(seeded, "__azurite_db_blob__.json")) as f:
        db = json.load(f)
    blobs = next(c for c in db["collections"] if c["name"] == "$BLOBS_COLLECTION$")
    seed = next(b for b in blobs["data"] if b["name"] == "plan/seed")
    blobs["data"] = [dict(seed, name="plan/b%06d" % i, **{"$loki": i + 1}) for i in range(count)]
    blobs["idIndex"] = list(range(1, count + 1))
    blobs["maxId"] = count
    for index in blobs["binaryIndices"].values():
        index.update(dirty=True, values=[])  # rebuilt by Azurite on first use
    shutil.rmtree(location, ignore_errors=True)
    shutil.copytree(seeded, location)
    with open(os.path.join(location, "__azurite_db_blob__.json"), "w") as f:
        json.dump(db, f)


def main():
    # bench/transfer's main (an emulator with its data on tmpfs, the connection string in the
    # environment, cleaned up after) with this benchmark's rows and table.
    transfer.bench, transfer.report = bench, report
    transfer.main()


def bench(work, env, endpoint, emulator):
    def sh(cmd):
        """An untimed step; quiet unless it fails."""
        p = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True)
        if p.returncode != 0:
            raise SystemExit("failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), p.stderr))

    def fresh():  # an emptied emulator, with the container
        emulator.stop()
        emulator.start()
        sh(transfer.cer("mb", "az://bench"))

    sh(transfer.cer("mb", "az://bench"))
    sas = subprocess.run(transfer.PY + ["sas", "bench"], env=env, check=True,
                         capture_output=True, text=True).stdout.strip()
    # rclone 1.60 reaches an emulator on another port only through a container SAS URL.
    env.update(RCLONE_CONFIG_AZ_TYPE="azureblob",
               RCLONE_CONFIG_AZ_SAS_URL=endpoint + "/bench?" + sas)

    small = os.path.join(work, "small")
    fill(small, SMALL_COUNT, SMALL_SIZE)
    noop = os.path.join(work, "noop")
    fill(noop, NOOP_COUNT, NOOP_SIZE)
    big = os.path.join(work, "big")
    os.makedirs(big)
    with open(os.path.join(big, "big.bin"), "wb") as f:
        for _ in range(BIG >> 20):
            f.write(os.urandom(1 << 20))
    out = os.path.join(work, "out")

    def clean_out():
        shutil.rmtree(out, ignore_errors=True)

    rows = []

    def add_row(title, times, peaks):
        rows.append({"title": title, "median": {t: statistics.median(v) for t, v in times.items()},
                     "runs": times, "rss_kib": peaks})

    def timed(tool, command, times, peaks, i):
        time.sleep(transfer.SETTLE)
        wall, peak = transfer.run(command, env)
        times.setdefault(tool, []).append(wall)
        peaks[tool] = max(peaks.get(tool, 0), peak)
        print("   %-15s run %d: %.2f s, %d MiB" % (tool, i + 1, wall, peak >> 10), file=sys.stderr)

    def row(title, commands, before=lambda: None):
        """Times each command RUNS times, each run starting with another tool; `before` runs
        (untimed) before every run of every tool."""
        print("== " + title, file=sys.stderr)
        tools = list(commands)
        times, peaks = {}, {}
        for i in range(RUNS):
            for tool in tools[i % len(tools):] + tools[:i % len(tools)]:
                before()
                timed(tool, commands[tool], times, peaks, i)
        add_row(title, times, peaks)

    row("%d x 4 KiB upload" % SMALL_COUNT, {
        "cerulean": cer_sync(small, "az://bench/many/"),
        "rclone": rclone(small, "az:bench/many", *RCLONE_MANY),
    }, fresh)

    fresh()
    sh(cer_sync(small, "az://bench/many/"))
    row("%d x 4 KiB download" % SMALL_COUNT, {
        "cerulean": cer_sync("az://bench/many/", out),
        "rclone": rclone("az:bench/many", out, *RCLONE_MANY),
    }, clean_out)

    # Each tool re-syncs what it synced itself (the two keep modification times differently),
    # in an emulator of its own (every blob an emulator holds slows its every lookup), both
    # emulators running side by side so that the runs alternate between the tools: load on the
    # machine falls on both alike.
    up, down = {}, {}
    up_peaks, down_peaks = {}, {}
    def cer_path(path):  # rclone's "az:bench/noop" as cerulean's "az://bench/noop/"
        return "az://" + path[3:] + "/" if path.startswith("az:") else path

    print("== no-op re-syncs of %d files" % NOOP_COUNT, file=sys.stderr)
    fresh()  # cerulean's tree: the main emulator
    other = transfer.Emulator(work)  # rclone's tree
    other.start()
    try:
        other_endpoint = "http://127.0.0.1:%d/devstoreaccount1" % other.port
        other_cs = ("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=%s;"
                    "BlobEndpoint=%s;" % (transfer.KEY, other_endpoint))
        other_env = dict(env, AZURE_STORAGE_CONNECTION_STRING=other_cs)
        subprocess.run(transfer.cer("mb", "az://bench"), env=other_env, check=True,
                       stdout=subprocess.DEVNULL)
        other_sas = subprocess.run(transfer.PY + ["sas", "bench"], env=other_env, check=True,
                                   capture_output=True, text=True).stdout.strip()
        rclone_env = dict(env, RCLONE_CONFIG_AZ_SAS_URL=other_endpoint + "/bench?" + other_sas)
        noop_sync = {
            "cerulean": (env, lambda src, dst: cer_sync(cer_path(src), cer_path(dst))),
            "rclone": (rclone_env, lambda src, dst: rclone(src, dst, *RCLONE_MANY)),
        }

        def side_by_side(commands, times, peaks):
            """Each tool's command {tool: (env, argv)} once untimed (the first sync), then RUNS
            timed no-op re-syncs, alternating between the tools."""
            for tool_env, argv in commands.values():
                subprocess.run(argv, env=tool_env, check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
            tools = list(commands)
            for i in range(RUNS):
                for tool in tools[i % len(tools):] + tools[:i % len(tools)]:
                    tool_env, argv = commands[tool]
                    time.sleep(transfer.SETTLE)
                    wall, peak = transfer.run(argv, tool_env)
                    times.setdefault(tool, []).append(wall)
                    peaks[tool] = max(peaks.get(tool, 0), peak)
                    print("   %-15s run %d: %.2f s, %d MiB" % (tool, i + 1, wall, peak >> 10),
                          file=sys.stderr)

        side_by_side({tool: (tool_env, command(noop, "az:bench/noop"))
                      for tool, (tool_env, command) in noop_sync.items()}, up, up_peaks)
        # Downloads: each tool into a folder of its own, from its own emulator.
        noop_local = {tool: out + "-noop-" + tool for tool in noop_sync}
        side_by_side({tool: (tool_env, command("az:bench/noop", noop_local[tool]))
                      for tool, (tool_env, command) in noop_sync.items()}, down, down_peaks)
        for folder in noop_local.values():
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        other.stop()
    add_row("no-op re-sync of %d files, upload" % NOOP_COUNT, up, up_peaks)
    add_row("no-op re-sync of %d files, download" % NOOP_COUNT, down, down_peaks)

    size_label = "%d MiB" % (BIG >> 20) if BIG != 1 << 30 else "1 GiB"
    row("one %s file, upload" % size_label, {
        "cerulean": cer_sync(big, "az://bench/big-up/"),
        "rclone": rclone(big, "az:bench/big-up", *RCLONE_BIG_UP),
    }, fresh)

    fresh()
    sh(cer_sync(big, "az://bench/big/"))  # with its whole MD5, which cerulean checks
    row("one %s file, download" % size_label, {
        "cerulean": cer_sync("az://bench/big/", out),
        "cerulean-nomd5": cer_sync("az://bench/big/", out, "--no-checksum"),
        "rclone": rclone("az:bench/big", out, *RCLONE_BIG_DOWN),
    }, clean_out)

    # The plans: an emulator on the same port (same endpoint, same SAS) with its database on
    # tmpfs, seeded through the API with one blob, then filled with copies of it.
    emulator.stop()
    seeded = os.path.join(work, "seeded")
    disk = DiskEmulator(work, seeded, emulator.port)
    disk.start()
    sh(transfer.cer("mb", "az://bench"))
    seed = os.path.join(work, "seed")
    os.makedirs(seed)
    open(os.path.join(seed, "seed"), "wb").close()
    sh(transfer.cer("put", "--recursive", seed, "az://bench/plan/"))
    time.sleep(6)  # Azurite saves its database every 5 s
    disk.stop()
    for count in PLAN_COUNTS:
        disk = DiskEmulator(work, os.path.join(work, "plan-db"), emulator.port)
        fill_plan_database(seeded, disk.location, count)
        disk.start()
        try:
            row("plan of a %d-blob container" % count, {
                "cerulean": cer_sync("az://bench/plan/", out, "--dry-run"),
                "rclone": rclone("az:bench/plan", out, "--dry-run", *RCLONE_MANY),
            }, clean_out)
        finally:
            disk.stop()
    emulator.start()  # as main() expects it
    return rows


def machine():
    """The CPU model, the cores and the system."""
    with open("/proc/cpuinfo") as f:
        models = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
    return "%s, %d cores, %s" % (models[0] if models else "unknown", os.cpu_count(),
                                 platform.platform())


def report(rows):
    print("Date: %s; machine: %s; medians of %d runs" % (
        time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), machine(), RUNS))
    print()
    print("Seconds (lower is better); rclone / cer. is rclone's time over cerulean's (above 1: "
          "cerulean is faster). Peak RSS in MiB, the largest of the runs.")
    print()
    print("| Row | cerulean | rclone | rclone / cer. | cerulean RSS | rclone RSS |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        m, k = r["median"], r["rss_kib"]
        print("| %s | %.2f s | %.2f s | %.2f | %d | %d |" % (
            r["title"], m["cerulean"], m["rclone"], m["rclone"] / m["cerulean"],
            k["cerulean"] >> 10, k["rclone"] >> 10))
        if "cerulean-nomd5" in m:
            print("| %s, cerulean --no-checksum | %.2f s | | %.2f | %d | |" % (
                r["title"], m["cerulean-nomd5"], m["rclone"] / m["cerulean-nomd5"],
                r["rss_kib"]["cerulean-nomd5"] >> 10))
    plans = [r for r in rows if r["title"].startswith("plan of")]
    if len(plans) >= 2:
        print()
        for tool in ("cerulean", "rclone"):
            grow = (plans[-1]["rss_kib"][tool] - plans[0]["rss_kib"][tool]) >> 10
            print("Peak RSS growth of the plan, %s to %s: %s %d MiB" % (
                plans[0]["title"][len("plan of a "):], plans[-1]["title"][len("plan of a "):],
                tool, grow))
    with open(os.environ.get("BENCH_JSON", "/tmp/cerulean-bench-sync.json"), "w") as f:
        json.dump([transfer.merged_row(r) for r in rows], f, indent=1)


if __name__ == "__main__":
    main()
