#!/usr/bin/env python3
"""End-to-end tests of `gpbo --version` / `gpbo doctor` and of the command's BLAS start-up check
(cli/blas.c): the user's OPENBLAS_CORETYPE is respected and reported; with it removed, this
AVX2 machine runs non-generic kernels; and, through the test hook GPBO_BLAS_TEST_TARGET (this
machine's OpenBLAS recognizes its CPU, so its own fallback cannot be provoked here), the
re-exec itself: once, on the kernels asked for, with the user's environment restored for child
programs, stopped by its marker when the new kernels are generic too, and reported when exec
fails.

Usage: test_blas_report.py PATH/TO/gpbo
"""
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import GPBO, PY, check, run_tests  # noqa: E402

HOOKS = ("GPBO_BLAS_REEXEC", "GPBO_BLAS_REEXEC_CORETYPE", "GPBO_BLAS_TEST_TARGET",
         "GPBO_BLAS_TEST_EXE", "GPBO_BLAS_TEST_WARN")


def env_with(**kw):
    """The test's environment with OPENBLAS_CORETYPE and the hooks removed, then kw set."""
    e = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE" and k not in HOOKS}
    e.update(kw)
    return e


def report(env, cmd="--version"):
    r = subprocess.run([GPBO, cmd], capture_output=True, text=True, timeout=60, env=env)
    check(r.returncode == 0, f"gpbo {cmd} exit {r.returncode}: {r.stderr}")
    lines = dict(l.split(": ", 1) for l in r.stdout.splitlines()[1:] if ": " in l)
    check(r.stdout.startswith("gpbo "), f"first line names the version: {r.stdout!r}")
    return lines, r.stdout


def test_user_choice_respected():
    lines, out = report(env_with(OPENBLAS_CORETYPE="Prescott"))
    check(lines.get("blas kernels") == "Prescott", f"Prescott as the user set it: {out}")
    check(lines.get("blas re-exec", "").startswith("no: OPENBLAS_CORETYPE=Prescott is set"),
          f"no re-exec over the user's choice: {out}")
    check(lines.get("blas", "").startswith("OpenBLAS"), f"names the BLAS: {out}")
    check(lines.get("blas threads", "").split()[0].isdigit(), f"threads: {out}")


def test_unset_runs_non_generic_kernels():
    avx2 = "avx2" in open("/proc/cpuinfo").read().split()
    for cmd in ("--version", "doctor"):
        lines, out = report(env_with(), cmd)
        if avx2:
            check(lines.get("blas kernels") not in (None, "Prescott"),
                  f"{cmd}: non-generic kernels without OPENBLAS_CORETYPE: {out}")
        check(lines.get("OPENBLAS_CORETYPE") == "(not set)", f"{cmd}: env as given: {out}")


def test_reexec_once_and_env_restored():
    lines, out = report(env_with(OPENBLAS_CORETYPE="Prescott", GPBO_BLAS_TEST_TARGET="Haswell"))
    check(lines.get("blas kernels") == "Haswell", f"re-executed on Haswell: {out}")
    check(lines.get("blas re-exec", "").startswith("yes: OpenBLAS chose Prescott"),
          f"says it re-executed: {out}")
    check("still" not in lines.get("blas re-exec", ""), f"not generic any more: {out}")
    check(lines.get("OPENBLAS_CORETYPE") == "Prescott", f"user's value restored: {out}")
    # the objective of a run sees the user's environment, without the marker
    d = tempfile.mkdtemp(prefix="gpbo-blas-")
    try:
        with open(os.path.join(d, "obj.py"), "w") as f:
            f.write(textwrap.dedent("""\
                import os
                with open("env.txt", "w") as f:
                    for k in ("OPENBLAS_CORETYPE", "GPBO_BLAS_REEXEC", "GPBO_BLAS_REEXEC_CORETYPE"):
                        f.write(f"{k}={os.environ.get(k, '-')}\\n")
                print("loss=1.5")
                """))
        with open(os.path.join(d, "sweep.yaml"), "w") as f:
            f.write(f"name: q\nmethod: random\nmetric: {{name: loss, goal: minimize}}\n"
                    f"run_cap: 1\nparameters:\n  x: {{min: 0.0, max: 1.0}}\n"
                    f'command: ["{PY}", "{os.path.join(d, "obj.py")}", "${{args}}"]\n')
        r = subprocess.run([GPBO, "run", "sweep.yaml"], cwd=d, capture_output=True, text=True,
                           timeout=120,
                           env=env_with(OPENBLAS_CORETYPE="Prescott",
                                        GPBO_BLAS_TEST_TARGET="Haswell"))
        check(r.returncode == 0, f"run under a re-exec: {r.returncode} {r.stderr}")
        found = [os.path.join(root, "env.txt") for root, _, files in os.walk(d)
                 if "env.txt" in files]
        check(len(found) == 1, f"the objective ran once: {found}")
        if found:
            seen = open(found[0]).read().split()
            check(seen == ["OPENBLAS_CORETYPE=Prescott", "GPBO_BLAS_REEXEC=-",
                           "GPBO_BLAS_REEXEC_CORETYPE=-"], f"objective's environment: {seen}")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_loop_guard():
    # the new kernels are generic again: without the marker this would re-execute forever
    lines, out = report(env_with(OPENBLAS_CORETYPE="Prescott", GPBO_BLAS_TEST_TARGET="Prescott"))
    check(lines.get("blas kernels") == "Prescott", f"still Prescott: {out}")
    check("still runs its generic kernels" in lines.get("blas re-exec", ""),
          f"says the re-exec did not help: {out}")


def test_exec_failure_reported():
    lines, out = report(env_with(OPENBLAS_CORETYPE="Prescott", GPBO_BLAS_TEST_TARGET="Haswell",
                                 GPBO_BLAS_TEST_EXE="/nonexistent/gpbo"))
    check(lines.get("blas kernels") == "Prescott", f"runs on after a failed exec: {out}")
    check(lines.get("blas re-exec", "").startswith("failed (execv /nonexistent/gpbo: No such"),
          f"names the failure: {out}")
    check(lines.get("OPENBLAS_CORETYPE") == "Prescott", f"env restored after failure: {out}")


def cpu_has_avx2_fma():
    with open("/proc/cpuinfo") as f:
        flags = next((l.split(":", 1)[1].split() for l in f if l.startswith("flags")), [])
    return "avx2" in flags and "fma" in flags


def test_library_warning_printed():
    # the libraries warn through gpbo_warn() (base/blas_cpu.h), the command prints the warning:
    # with the hook GPBO_BLAS_TEST_WARN a user's Prescott counts as OpenBLAS's own fallback
    train = [GPBO, "train", "--train_size", "200", "--val_size", "100", "--epochs", "1"]
    for extra, want in (({"GPBO_BLAS_TEST_WARN": "1"}, int(cpu_has_avx2_fma())), ({}, 0)):
        r = subprocess.run(train, capture_output=True, text=True, timeout=120,
                           env=env_with(OPENBLAS_CORETYPE="Prescott", **extra))
        check(r.returncode == 0, f"train {extra}: exit {r.returncode}: {r.stderr}")
        warns = [l for l in r.stderr.splitlines() if l.startswith("gpbo: warning: ")]
        check(len(warns) == want, f"train {extra}: {len(warns)} warnings, {want} expected: "
              f"{r.stderr!r}")
        check(all("Prescott" in w and "OPENBLAS_CORETYPE=Haswell" in w for w in warns),
              f"the warning names the kernels and the fix: {warns}")


def run_cpu(d, name, sleep):
    """The CPU seconds of `gpbo run` (with its trial: a shell sleeping `sleep` s, ~1 ms of CPU)
    of one random trial, from wait4's rusage."""
    with open(os.path.join(d, name + ".yaml"), "w") as f:
        f.write(f"name: {name}\nmethod: random\nmetric: {{name: loss, goal: minimize}}\n"
                f"run_cap: 1\nparameters:\n  x: {{min: 0.0, max: 1.0}}\n"
                f'command: ["sh", "-c", "sleep {sleep}; echo loss=1", "${{args}}"]\n')
    p = subprocess.Popen([GPBO, "run", name + ".yaml", "--storage", name + ".db"], cwd=d,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env_with())
    _, status, ru = os.wait4(p.pid, 0)
    err = p.stderr.read().decode()
    p.stderr.close()
    p.returncode = 0  # reaped above
    check(os.waitstatus_to_exitcode(status) == 0, f"run {name}: {status} {err}")
    return ru.ru_utime + ru.ru_stime


def test_idle_run_spends_no_cpu():
    # OpenBLAS starts its threads when it loads and they spin ~0.1 s of CPU waiting for work;
    # gpbo stops them at start (cli/blas.c): while its trial sleeps, a random-search run must
    # spend (almost) nothing. The CPU of a run whose trial sleeps 0.6 s minus that of one whose
    # trial does not, median of 5 pairs: 0.116-0.120 s with the spinning threads (a machine with
    # 2+ CPUs), a few ms without. The bound is half the spinning threads' figure: an ASan build
    # beside a browser test once measured [-0.023, 0.047, 0.048] s of noise (3 pairs).
    d = tempfile.mkdtemp(prefix="gpbo-idle-")
    try:
        extra = sorted(run_cpu(d, f"s{i}", 0.6) - run_cpu(d, f"z{i}", 0) for i in range(5))
        check(extra[2] < 0.06, f"CPU spent while the trial slept: {extra} s (bound 0.06)")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    return run_tests((test_user_choice_respected, test_unset_runs_non_generic_kernels,
                      test_reexec_once_and_env_restored, test_loop_guard,
                      test_exec_failure_reported, test_library_warning_printed,
                      test_idle_run_spends_no_cpu))


if __name__ == "__main__":
    sys.exit(main())
