#!/usr/bin/python3
"""bench/transfer/cpu.py: where the time and the CPU of a large `cerulean blob put/get` go.

For each variant (a cerulean binary and its options, or curl as the ceiling), runs the upload
and the download of one large file against one in-memory Azurite and reports the medians of
the wall time, the client's user and system CPU (/usr/bin/time), and the emulator's CPU
(utime + stime of the node process from /proc/PID/stat, before and after). Runs are
interleaved (each round runs every variant once, in a rotating order), so that A/B comparisons
on a noisy machine see the same noise. The load average is printed with every run.

  bench/transfer/cpu.py [--runs N] [--mib N] [--only up|down] VARIANT...

A VARIANT is NAME=BINARY[:OPTION,OPTION...], e.g. new=build/cerulean:--checksum,block, or
`curl` for one PUT / GET with a SAS. Raw runs go to /tmp/cerulean-bench-cpu.json."""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (the Emulator and the account key)

TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid):
    """utime + stime of a process (all its threads), in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def timed(cmd, env):
    """Runs cmd under /usr/bin/time; returns wall, user, sys (s) and peak RSS (MiB)."""
    p = subprocess.run(["/usr/bin/time", "-f", "TIME %e %U %S %M"] + cmd, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise SystemExit("failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), p.stderr[-2000:]))
    line = [x for x in p.stderr.splitlines() if x.startswith("TIME ")][-1].split()
    return float(line[1]), float(line[2]), float(line[3]), int(line[4]) >> 10


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--only", choices=["up", "down"])
    parser.add_argument("--settle", type=float, default=1.0)
    parser.add_argument("variants", nargs="+")
    opts = parser.parse_args()
    variants = []
    for spec in opts.variants:
        name, _, rest = spec.partition("=")
        binary, _, flags = (rest or name).partition(":")
        variants.append((name, binary, [f for f in flags.split(",") if f] if flags else []))

    work = tempfile.mkdtemp(prefix="cerulean-cpu-", dir="/dev/shm")
    emulator = bench.Emulator(work)
    rows = []
    try:
        emulator.start()
        endpoint = "http://127.0.0.1:%d/devstoreaccount1" % emulator.port
        cs = ("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=%s;"
              "BlobEndpoint=%s;" % (bench.KEY, endpoint))
        env = dict(os.environ, AZURE_STORAGE_CONNECTION_STRING=cs)
        first = next(b for _, b, _ in variants if b != "curl")

        def sh(cmd):
            subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)

        def fresh():
            emulator.stop()
            emulator.start()
            sh([first, "blob", "mb", "az://bench"])

        big = os.path.join(work, "big")
        with open(big, "wb") as f:
            for _ in range(opts.mib):
                f.write(os.urandom(1 << 20))
        out = os.path.join(work, "out")
        sh([first, "blob", "mb", "az://bench"])
        sas = subprocess.run(bench.PY + ["sas", "bench"], env=env, check=True,
                             capture_output=True, text=True).stdout.strip()
        base = endpoint + "/bench"

        def command(direction, binary, flags, index):
            if binary == "curl":
                if direction == "up":
                    return ["curl", "-sSf", "-X", "PUT", "-T", big, "-H",
                            "x-ms-blob-type: BlockBlob", "-o", "/dev/null",
                            "%s/up%d?%s" % (base, index, sas)]
                return ["curl", "-sSf", "-o", out, base + "/down?" + sas]
            if direction == "up":
                return [binary, "blob", "put", big, "az://bench/up%d" % index] + flags
            return [binary, "blob", "get", "az://bench/down", out] + flags

        for direction in ["up", "down"]:
            if opts.only and opts.only != direction:
                continue
            if direction == "down":
                fresh()
                # The source carries its whole MD5, so that a verifying download verifies.
                sh([first, "blob", "put", big, "az://bench/down", "--checksum", "both"])
            runs = {name: [] for name, _, _ in variants}
            for r in range(opts.runs):
                k = r % len(variants)
                for index, (name, binary, flags) in enumerate(variants[k:] + variants[:k]):
                    if direction == "up":
                        fresh()
                    elif os.path.exists(out):
                        os.remove(out)
                    time.sleep(opts.settle)
                    load = os.getloadavg()[0]
                    before = process_cpu(emulator.process.pid)
                    wall, user, system, rss = timed(command(direction, binary, flags, index), env)
                    emulator_cpu = process_cpu(emulator.process.pid) - before
                    run = {"wall": wall, "user": user, "sys": system, "azurite": emulator_cpu,
                           "rss": rss, "load": load}
                    runs[name].append(run)
                    print("%-4s %-14s wall %5.2f  user %5.2f  sys %5.2f  azurite %5.2f  "
                          "rss %3d MiB  load %.2f" % (direction, name, wall, user, system,
                                                      emulator_cpu, rss, load),
                          file=sys.stderr, flush=True)
            for name, _, _ in variants:
                med = {key: statistics.median(x[key] for x in runs[name])
                       for key in ["wall", "user", "sys", "azurite", "load"]}
                med["rss"] = max(x["rss"] for x in runs[name])
                rows.append({"direction": direction, "variant": name, "median": med,
                             "runs": runs[name]})
    finally:
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)

    print("| dir | variant | wall s | client user s | client sys s | client CPU s | Azurite CPU s "
          "| peak RSS MiB | load |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        m = row["median"]
        print("| %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %d | %.1f |" % (
            row["direction"], row["variant"], m["wall"], m["user"], m["sys"],
            m["user"] + m["sys"], m["azurite"], m["rss"], m["load"]))
    with open(os.environ.get("BENCH_JSON", "/tmp/cerulean-bench-cpu.json"), "w") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
