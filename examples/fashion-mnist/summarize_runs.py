"""summarize_runs.py: what runs of the demo sweep found and how their pruned trials stood, read
from their study databases (the `.db` files `gpbo compare` writes under <name>.sweeps/, or those
of `gpbo run --storage`), one study per file. Per file: the best validation accuracy, the test
accuracy of that best trial, the pruned trials; then median [q1, q3] over the files (numpy's
default quantiles), and over all files the complete trials' gain from step 2 and from step 6 to
their final value (what search/pruned_view.c adds to a trial pruned at that step) and the
pruned trials counted by their last step. Session 13's figures in bench/compare/README.md.

usage: /usr/bin/python3 examples/fashion-mnist/summarize_runs.py FILE.db...
"""
import collections
import json
import sqlite3
import sys

import numpy as np

COMPLETE, PRUNED = 1, 3  # gpbo_trial_state


def mq(v):
    v = np.asarray(v, float)
    return f"{np.median(v):.4f} [{np.quantile(v, 0.25):.4f}, {np.quantile(v, 0.75):.4f}]"


def main(paths):
    best, test, pruned = [], [], []
    gains = collections.defaultdict(list)
    last = collections.Counter()
    for p in paths:
        c = sqlite3.connect(p)
        trials = c.execute("select id, state, value, metrics from trials").fetchall()
        steps = collections.defaultdict(dict)
        for t, st, v in c.execute("select trial, step, value from intermediate"):
            steps[t][st] = v
        done = [t for t in trials if t[1] == COMPLETE]
        b = max(done, key=lambda t: (t[2], -t[0]))  # the first of the best, as gpbo best
        np_ = sum(t[1] == PRUNED for t in trials)
        best.append(b[2])
        test.append(json.loads(b[3])["test_accuracy"])
        pruned.append(np_)
        print(f"{p}: best val {b[2]:.4f} (trial {b[0]}), its test {test[-1]:.4f}, "
              f"pruned {np_} of {len(trials)}")
        for t in done:
            for st in (2, 6):
                if st in steps[t[0]]:
                    gains[st].append(t[2] - steps[t[0]][st])
        for t in trials:
            if t[1] == PRUNED and steps[t[0]]:
                last[max(steps[t[0]])] += 1
    print(f"best val {mq(best)} | test of the best {mq(test)} | pruned {mq(pruned)}")
    for st in (2, 6):
        print(f"gain from step {st} to the end: {mq(gains[st])} over {len(gains[st])} complete "
              "trials")
    print("pruned trials by their last step:", dict(sorted(last.items())))


if __name__ == "__main__":
    main(sys.argv[1:])
