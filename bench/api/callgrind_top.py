#!/usr/bin/python3
"""The functions of highest cost in a callgrind file, per request: `bench/api/run` with
MODE=instructions TOP=N prints them for each route.

    callgrind_top.py FILE REQUESTS [TOP] [--exclusive] [--match REGEX]

Inclusive cost (a function and all it calls) by default, self cost with --exclusive; --match
keeps only the functions whose (shortened) name matches, e.g. 'cerulean::|sqlite3|jwt'. Names are
shortened for reading: template arguments collapse to <…>, and the object file shows only
when it is not the cerulean binary.
"""

import re
import subprocess
import sys


def short(name):
    name = re.sub(r"^\?\?\?:", "", name)
    obj = ""
    match = re.search(r" \[([^\]]+)\]$", name)
    if match:
        name = name[:match.start()]
        if not match.group(1).endswith("/cerulean"):
            obj = " [%s]" % match.group(1).rsplit("/", 1)[-1]
    name = name.replace("[clone .isra.0]", "").replace("[clone .cold]", "").strip()
    out, depth = [], 0
    for c in name:  # keep the outermost template brackets only, emptied
        if c == "<":
            if depth == 0:
                out.append("<…>")
            depth += 1
        elif c == ">" and depth:
            depth -= 1
        elif depth == 0:
            out.append(c)
    text = "".join(out)
    text = re.sub(r"\((?:[^()]|\([^()]*\))*\)", "()", text)  # argument lists
    text = text.replace("operator()()", "operator()")
    return text + obj


def top(path, requests, count, inclusive=True, only=None):
    out = subprocess.run(["callgrind_annotate", "--inclusive=%s" % ("yes" if inclusive else "no"),
                          path], check=True, capture_output=True, text=True).stdout
    total, rows, listing = None, [], False
    for line in out.splitlines():
        match = re.match(r"^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(.*)$", line)
        if not match:
            if line.startswith("Ir") and "file:function" in line:
                listing = True
            continue
        ir, what = int(match.group(1).replace(",", "")), match.group(2)
        if what.strip() == "PROGRAM TOTALS":
            total = ir
        elif listing and len(rows) < count:
            name = short(what)
            if only is None or re.search(only, name):
                rows.append((ir, name))
    return total, rows


def main():
    args = sys.argv[1:]
    match = None
    if "--match" in args:
        at = args.index("--match")
        match = args[at + 1]
        del args[at:at + 2]
    inclusive = "--exclusive" not in args
    args = [a for a in args if a != "--exclusive"]
    path, requests = args[0], int(args[1])
    count = int(args[2]) if len(args) > 2 else 15
    total, rows = top(path, requests, count, inclusive, match)
    print("    %s cost per request (of %d instructions)%s:" % (
        "inclusive" if inclusive else "self", total // requests,
        ", functions matching " + match if match else ""))
    for ir, name in rows:
        print("    %9d  %5.1f%%  %s" % (ir // requests, 100.0 * ir / total, name[:160]))


if __name__ == "__main__":
    main()
