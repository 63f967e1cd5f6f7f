#!/usr/bin/env python3
"""fuzz/nightly_report.py: turns the state fuzz/nightly.sh leaves in OUT into
OUT/summary.md, OUT/summary.json (keys in docs/fuzzing.md) and, with
gnuplot, OUT/coverage.png and OUT/execs.png."""
import json
import os
import shutil
import subprocess
import sys
import time

SCHEMA = 1


def read_env(path):
    env = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                key, sep, val = line.rstrip("\n").partition("=")
                if sep:
                    env[key] = val
    except OSError:
        pass
    return env


def read_rows(path, ncols):
    rows = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                cols = line.rstrip("\n").split("\t")
                rows.append((cols + [""] * ncols)[:ncols])
    except OSError:
        pass
    return rows


def read_samples(path):
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                v = line.split()
                if len(v) == 6 and all(x.isdigit() for x in v):
                    out.append([int(x) for x in v])
    except OSError:
        pass
    return out


def as_int(v):
    return int(v) if str(v).isdigit() else None


def target_record(out, name):
    w = os.path.join(out, name)
    meta = read_env(os.path.join(w, "meta.env"))
    samples = read_samples(os.path.join(w, "samples.tsv"))
    last = samples[-1] if samples else [0, 0, 0, 0, 0, 0]
    started, stopped = as_int(meta.get("started")), as_int(meta.get("stopped"))
    wall = stopped - started if started and stopped else None
    execs = last[1]
    repro = {r[0]: r for r in read_rows(os.path.join(w, "repro.tsv"), 3)}
    crashes = []
    for cid, sig, status, count, inp, msg in read_rows(
            os.path.join(w, "crashes.tsv"), 6):
        r = repro.get(cid, [cid, inp, ""])
        c = {"id": cid, "signature": sig, "status": status,
             "files": as_int(count), "input": inp,
             "reproducer": r[1] or inp,
             "minimised": r[1].endswith(".min"),
             "reproduce": r[2], "message": msg}
        if meta.get("kind") == "fraglab":
            c["reproduce_with_stack"] = (
                "fuzz/reproduce.sh --target %s %s" % (name, c["reproducer"]))
        crashes.append(c)
    before = as_int(meta.get("corpus_before"))
    after = as_int(meta.get("corpus_after"))
    return {
        "name": name,
        "kind": meta.get("kind", "?"),
        "engine": meta.get("engine", "libfuzzer"),
        "binary": meta.get("binary", ""),
        "corpus": meta.get("corpus", ""),
        "cores": as_int(meta.get("cores")),
        "fuzz_seconds": wall,
        "executions": execs,
        "execs_per_sec": round(execs / wall) if wall else None,
        "coverage": last[2],
        "features": last[3] if meta.get("engine") != "afl" else None,
        "corpus_before": before,
        "corpus_after": after,
        "new_corpus_entries": (after - before
                               if after is not None and before is not None
                               else None),
        "merge": meta.get("merge", "not run"),
        "crash_files": as_int(meta.get("crash_files")) or 0,
        "new_crashes": sum(1 for c in crashes if c["status"] == "new"),
        "crashes": crashes,
        "samples": samples,
    }


def plot(out, targets, notes):
    """coverage.png and execs.png over time, one line per target."""
    if not shutil.which("gnuplot"):
        notes.append("gnuplot not installed: no plots "
                     "(apt-get install gnuplot-nox)")
        return {}
    data = os.path.join(out, "plot")
    os.makedirs(data, exist_ok=True)
    series = []
    for t in targets:
        if not t["samples"]:
            continue
        path = os.path.join(data, t["name"] + ".dat")
        with open(path, "w", encoding="utf-8") as f:
            for s in t["samples"]:
                f.write("%d %d %d\n" % (s[0], s[1], s[2]))
        series.append((path, t["name"]))
    if not series:
        notes.append("no samples were recorded: no plots")
        return {}
    made = {}
    for key, col, title in (("coverage", 3, "coverage (edges)"),
                            ("execs", 2, "executions")):
        png = os.path.join(out, key + ".png")
        lines = ", ".join("'%s' using 1:%d with lines title '%s'"
                          % (p, col, n.replace("'", "")) for p, n in series)
        script = ("set terminal png size 900,500 noenhanced\n"
                  "set output '%s'\n"
                  "set xlabel 'seconds since start'\nset ylabel '%s'\n"
                  "set key left top\nset grid\nplot %s\n"
                  % (png, title, lines))
        res = subprocess.run(["gnuplot"], input=script, text=True,
                             capture_output=True, check=False)
        if res.returncode == 0 and os.path.exists(png):
            made[key] = png
        else:
            notes.append("gnuplot failed for %s: %s"
                         % (key, res.stderr.strip()[:200]))
    return made


def fmt(v):
    return "?" if v is None else str(v)


def write_md(out, s):
    md = []
    new = [(t, c) for t in s["targets"] for c in t["crashes"]
           if c["status"] == "new"]
    if s["verdict"] == "interrupted":
        md.append("# Nightly fuzzing: INTERRUPTED, crashes not triaged\n")
    elif new:
        md.append("# Nightly fuzzing: %d NEW CRASH%s\n"
                  % (len(new), "ES" if len(new) > 1 else ""))
    elif s["untriaged_crash_files"]:
        md.append("# Nightly fuzzing: no verdict, %d crash files NOT "
                  "TRIAGED (out of budget)\n" % s["untriaged_crash_files"])
    else:
        md.append("# Nightly fuzzing: no new crash\n")
    md.append("%s to %s UTC, budget %d s on %d cores, %d targets, "
              "exit status %d. Output: `%s`.\n"
              % (s["started"], s["finished"], s["budget_seconds"], s["jobs"],
                 len(s["targets"]), s["exit_status"], out))
    md.append("| target | cores | seconds | executions | execs/s | coverage "
              "| new corpus entries | merge | crash files | new crashes "
              "| known |")
    md.append("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")
    for t in s["targets"]:
        known = sum(1 for c in t["crashes"] if c["status"] == "known")
        md.append("| %s%s | %s | %s | %d | %s | %d | %s | %s | %d | %d | %d |"
                  % (t["name"], " (outside)" if t["kind"] == "outside" else "",
                     fmt(t["cores"]), fmt(t["fuzz_seconds"]), t["executions"],
                     fmt(t["execs_per_sec"]), t["coverage"],
                     fmt(t["new_corpus_entries"]), t["merge"],
                     t["crash_files"], t["new_crashes"], known))
    md.append("")
    md.append("execs/s: executions / wall seconds of all the target's cores "
              "together. coverage: libFuzzer's `cov` of the corpus kept "
              "(edges), or for AFL++ `edges_found` of the instance with "
              "most.\n")
    for t, c in new:
        md.append("## New crash in %s: `%s`\n" % (t["name"], c["signature"]))
        if c["message"]:
            md.append("Message: `%s`  " % c["message"])
        md.append("Reproducer (%s, %d crash file(s) with this stack): `%s`\n"
                  % ("minimised" if c["minimised"] else "not minimised",
                     c["files"] or 0, c["reproducer"]))
        md.append("```\n%s\n```\n" % c["reproduce"])
        if "reproduce_with_stack" in c:
            md.append("Symbolised stack and what the input stands for: "
                      "`%s`\n" % c["reproduce_with_stack"])
    if new:
        md.append("Once a crash is understood (fixed, or filed), acknowledge "
                  "it so the next night does not fail for it again: "
                  "`fuzz/nightly.sh --ack %s --known %s`.\n"
                  % (out, s["known_file"]))
    other = [(t, c) for t in s["targets"] for c in t["crashes"]
             if c["status"] != "new"]
    if other:
        md.append("## Other crash files (known, flaky, untriaged)\n")
        for t, c in other:
            md.append("- %s `%s`: %s, %s file(s), `%s`"
                      % (t["name"], c["signature"], c["status"],
                         fmt(c["files"]), c["reproducer"]))
        md.append("")
    md.append("## Plots\n")
    if s["plots"]:
        for key, png in sorted(s["plots"].items()):
            md.append("![%s](%s)" % (key, os.path.basename(png)))
    else:
        md.append("none (see notes)")
    md.append("")
    if s["notes"]:
        md.append("## Notes\n")
        md.extend("- " + n for n in s["notes"])
        md.append("")
    with open(os.path.join(out, "summary.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(md))


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print("usage: nightly_report.py OUT (the run directory of "
              "fuzz/nightly.sh)", file=sys.stderr)
        return 2
    out = os.path.abspath(sys.argv[1])
    env = read_env(os.path.join(out, "run.env"))
    if "START" not in env:
        print("nightly_report.py: %s: no run.env" % out, file=sys.stderr)
        return 2
    notes = [n.strip() for n in open(os.path.join(out, "notes.txt"),
                                     encoding="utf-8", errors="replace")
             if n.strip()] if os.path.exists(
                 os.path.join(out, "notes.txt")) else []
    targets = [target_record(out, n) for n in env["TARGETS"].split()]
    plots = plot(out, targets, notes)
    new = sum(t["new_crashes"] for t in targets)
    interrupted = env.get("INTERRUPTED") == "1"
    failed = [t["name"] for t in targets if t["merge"].startswith("FAILED")]
    untriaged = sum(c["files"] or 0 for t in targets for c in t["crashes"]
                    if c["status"] == "untriaged")
    start = int(env["START"])
    fin = as_int(env.get("FINISHED")) or int(time.time())
    iso = "%Y-%m-%dT%H:%M:%SZ"
    s = {
        "schema": SCHEMA,
        "verdict": ("interrupted" if interrupted else
                    "new-crashes" if new else
                    "untriaged-crashes" if untriaged else "no-new-crashes"),
        "exit_status": (130 if interrupted else 1 if new else
                        3 if failed or untriaged else 0),
        "untriaged_crash_files": untriaged,
        "new_crashes": new,
        "engine": env.get("ENGINE", "libfuzzer"),
        "started": time.strftime(iso, time.gmtime(start)),
        "finished": time.strftime(iso, time.gmtime(fin)),
        "budget_seconds": int(env.get("BUDGET", 0)),
        "elapsed_seconds": fin - start,
        "jobs": int(env.get("JOBS", 0)),
        "rounds": as_int(env.get("ROUNDS")),
        "mutator": env.get("MUTATOR", "off"),
        "known_file": env.get("KNOWN", ""),
        "merge_failed": failed,
        "plots": plots,
        "notes": notes,
        "targets": targets,
    }
    with open(os.path.join(out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(s, f, indent=1, sort_keys=True)
        f.write("\n")
    write_md(out, s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
