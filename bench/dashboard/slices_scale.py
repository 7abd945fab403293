#!/usr/bin/python3
"""`gpbo dashboard`'s /api/slices on Bayesian studies of thousands of trials: the old code
against the new, in one run.

    slices_scale.py --new build/cli/gpbo --old OLD/gpbo [--trials 500,1000,2000,5000]
                    [--timeout 1800] [--keep DIR]

Each study (4 floats, a noisy bowl: value = sum (x_i - 0.3)^2 + N(0, 0.05^2), random points) is
made once by `gpbo import` of the new binary. Then for each binary a dashboard is started on it
(`gpbo dashboard --storage`, its own process), the study opened (/api/study), and one
/api/slices asked (a fit: nothing is cached yet) while another thread asks /api/study and
/api/trials one after the other: their latencies show whether the server stays responsive during
the fit. Prints one line a study: trials, each binary's wall time and the server's CPU time
(user + system, from /proc) for the slices, old / new of both, the observations the new model
holds, the slowest other request during each fit, the trial each recommends and the observations
of the model the new one's recommendation comes from. A benchmark, not a test: the figures
depend on the machine's load, which is why the two run side by side and the ratio is what to
read. A request past --timeout is printed as ">T" (the old code's fit at 5000 trials takes
many minutes).
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def make_study(gpbo, d, n, seed=7):
    name = f"s{n}"
    with open(os.path.join(d, f"{name}.yaml"), "w") as f:
        f.write(f"name: {name}\nmethod: bayes\nrun_cap: {n + 100}\n"
                "metric: {name: loss, goal: minimize}\nparameters:\n" +
                "".join(f"  x{i}: {{min: 0.0, max: 1.0}}\n" for i in range(4)) +
                'command: ["true"]\n')
    rng = random.Random(seed)
    rows = ["trial,state,value," + ",".join(f"x{i}" for i in range(4))]
    for t in range(n):
        x = [rng.random() for _ in range(4)]
        v = sum((a - 0.3) ** 2 for a in x) + rng.gauss(0, 0.05)
        rows.append(f"{t},complete,{v!r}," + ",".join(repr(a) for a in x))
    with open(os.path.join(d, f"{name}.csv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    r = subprocess.run([gpbo, "import", f"{name}.yaml", f"{name}.csv", "--storage",
                        f"{name}.db"], cwd=d, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"import failed: {r.stderr}")
    return name


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def get(url, timeout):
    with HTTP.open(url, timeout=timeout) as r:
        return json.loads(r.read().decode())


def measure(gpbo, d, name, timeout):
    """(slices wall s or None past timeout, server CPU s, the answer or None, slowest other
    request s, other requests made)."""
    p = subprocess.Popen([gpbo, "dashboard", "--storage", f"{name}.db", "--port", "0"], cwd=d,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        base = re.search(r"(http://127\.0\.0\.1:\d+/)", p.stdout.readline()).group(1)
        get(base + f"api/study?name={name}", 60)
        done = threading.Event()
        lat = []

        def others():
            k = 0
            while not done.is_set():
                path = (f"api/study?name={name}", f"api/trials?name={name}")[k % 2]
                t0 = time.time()
                get(base + path, 60)
                lat.append(time.time() - t0)
                k += 1
                done.wait(0.2)

        th = threading.Thread(target=others)
        c0, t0 = cpu_seconds(p.pid), time.time()
        th.start()
        try:
            answer = get(base + f"api/slices?name={name}", timeout)
            wall = time.time() - t0
        except Exception:  # timed out
            answer, wall = None, None
        cpu = cpu_seconds(p.pid) - c0
        done.set()
        th.join()
        return wall, cpu, answer, max(lat, default=float("nan")), len(lat)
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--new", required=True)
    ap.add_argument("--old", required=True)
    ap.add_argument("--trials", default="500,1000,2000,5000")
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--keep")
    a = ap.parse_args()
    a.new, a.old = os.path.abspath(a.new), os.path.abspath(a.old)
    d = a.keep or tempfile.mkdtemp(prefix="gpbo-slices-")
    os.makedirs(d, exist_ok=True)
    print(f"# {subprocess.run([a.new, '--version'], capture_output=True, text=True).stdout.splitlines()[2:3]}"
          f" load {os.getloadavg()[0]:.1f}", flush=True)
    print(f"{'trials':>6} {'old s':>8} {'new s':>7} {'old/new':>8} {'oldCPU':>8} {'newCPU':>7} "
          f"{'cpu o/n':>8} {'model n':>8} {'subset':>6} {'old max other s':>15} "
          f"{'new max other s':>15} {'old rec':>8} {'new rec':>8} {'rec n':>6}", flush=True)
    try:
        for n in (int(t) for t in a.trials.split(",")):
            name = make_study(a.new, d, n)
            ow, oc, oans, olat, _ = measure(a.old, d, name, a.timeout)
            nw, nc, nans, nlat, _ = measure(a.new, d, name, a.timeout)
            fmt = lambda w: f">{a.timeout:.0f}" if w is None else f"{w:.2f}"
            ratio = f"{ow / nw:.1f}" if ow and nw else "-"
            cratio = f"{oc / nc:.1f}" if nc else "-"
            held = nans.get("observations", "-") if nans else "-"
            sub = nans.get("subset", "-") if nans else "-"
            # the trial each recommends ("-": none) and the observations of the new one's model
            orec, nrec = ((x or {}).get("recommended") or {} for x in (oans, nans))
            print(f"{n:>6} {fmt(ow):>8} {fmt(nw):>7} {ratio:>8} {oc:>8.1f} {nc:>7.1f} "
                  f"{cratio:>8} {held!s:>8} {sub!s:>6} {olat:>15.3f} {nlat:>15.3f} "
                  f"{orec.get('trial', '-')!s:>8} {nrec.get('trial', '-')!s:>8} "
                  f"{nrec.get('observations', '-')!s:>6}", flush=True)
    finally:
        if not a.keep:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
