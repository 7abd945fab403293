#!/usr/bin/python3
"""End-to-end tests of how `gpbo run` runs an external objective program, beside
test_run_hostile.py: a trial folder that cannot be made (the trial is not failed, it runs again
once the folder can be made), a program that dies by a signal (the reason names it), a
progress bar's carriage returns on stdout (a lone CR ends a line, as a terminal shows it).

Each objective is a tiny program written by the test. Usage: test_run_external.py PATH/TO/gpbo
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import PY, check, run, run_tests, write  # noqa: E402


def exported(d):
    r = run(["export", "sweep.yaml", "--format", "json"], d)
    check(r.returncode == 0, f"export: {r.stderr}")
    return json.loads(r.stdout) if r.returncode == 0 else []


def test_trial_folder_cannot_be_made(d):
    # The runs folder's place holds a file: no trial folder can be made (as on a full disk or
    # a read-only folder). The run stops saying so, and the trial it could not start is no
    # failed trial: once the folder can be made, the next run runs it first, and the study
    # reaches run_cap with every trial complete. It was told failed with the folder's error,
    # counted against run_cap, and its point was never evaluated.
    write(os.path.join(d, "obj.py"), 'print("loss=0.5")\n')
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: nofolder
    method: random
    metric: {{name: loss, goal: minimize}}
    run_cap: 3
    parameters:
      x: {{min: 0.0, max: 1.0}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """)
    runs = os.path.join(d, "nofolder.runs")
    write(runs, "not a folder\n")
    r = run(["run", "sweep.yaml"], d, timeout=60)
    check(r.returncode == 1 and "nofolder.runs/trial-000000" in r.stderr
          and "runs again" in r.stderr,
          f"stops naming the folder: exit {r.returncode}: {r.stderr!r}")
    t = exported(d)
    check(not [x for x in t if x["state"] == "failed"], f"no trial failed: {t}")
    os.unlink(runs)
    r = run(["run", "sweep.yaml"], d, timeout=60)
    check(r.returncode == 0, f"resumed: exit {r.returncode}: {r.stderr}")
    t = exported(d)
    check(len(t) == 3 and all(x["state"] == "complete" for x in t),
          f"3 trials, all complete: {[(x['trial'], x['state'], x.get('reason')) for x in t]}")


def main():
    tests = [test_trial_folder_cannot_be_made]
    return run_tests(tests, prefix="gpbo-external-", only=sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
