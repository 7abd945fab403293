#!/usr/bin/python3
"""`gpbo dashboard` in a real browser (issue 21): headless Chromium through Selenium (Debian's
chromium and chromedriver, as tests/report/test_report_browser.py), against a study that runs
while the page is open. The page loads with no console error and fetches nothing but its own
server's JSON; the trial count it shows grows while `gpbo run` works; the figures are drawn (the
GP's slices of this Bayesian study and its parameter importance among them);
clicking a column header sorts the table (ascending, then descending).

Usage: test_dashboard_browser.py PATH/TO/gpbo [--screenshot PNG] [--only CHECK,...]
(--screenshot: also saves the page once the run is over, as docs/dashboard.png was made;
--only: the checks named, check_hostile for one, and not the live run.)
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import GPBO, PY, check, write  # noqa: E402

# a slow-ish objective: four steps of 0.3 s, pruned by hyperband now and then
OBJ = """\
    import sys, time
    a = dict(s[2:].split("=", 1) for s in sys.argv[1:] if s.startswith("--"))
    x, y = float(a["x"]), float(a["y"])
    base = (x - 1) ** 2 + (y + 2) ** 2 + (0.5 if a["c"] == "b" else 0.0) + 0.01 * float(a["n"])
    for s in range(1, 5):
        time.sleep(0.3)
        print(f"loss={base + 4.0 / s!r} step={s}", flush=True)
    print(f"loss={base!r}")
    """
RUN_CAP = 14
# waiting bounds, not timings: generous for a loaded 2-core machine
PATIENCE = 240


def sweep(d):
    write(os.path.join(d, "obj.py"), OBJ)
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: live
    method: bayes
    metric: {{name: loss, goal: minimize}}
    run_cap: {RUN_CAP}
    parameters:
      x: {{min: -4.0, max: 4.0}}
      y: {{min: -4.0, max: 4.0}}
      lr: {{min: 0.0001, max: 0.1, distribution: log_uniform_values}}
      n: {{min: 1, max: 20}}
      c: {{values: [a, b]}}
    early_terminate: {{type: hyperband, min_iter: 1}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """)


def browser(profile):
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-proxy-server",
                 "--disable-dev-shm-usage", "--window-size=1400,1800"):
        opts.add_argument(flag)
    opts.add_argument("--user-data-dir=" + profile)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


# The page redraws at every poll, so what it shows is read in one script, not element by element.
def shown_count(driver):
    """The trial count the page shows, or None before it shows one."""
    text = driver.execute_script(
        "const e = document.getElementById('ntrials'); return e ? e.textContent : null")
    return int(text) if text and text.isdigit() else None


def click_header(driver, key):
    """Clicks the header of column key as a person would (again if a redraw replaced it)."""
    for _ in range(20):
        try:
            driver.find_element(By.CSS_SELECTOR, f"#trials th[data-key={key}]").click()
            return
        except StaleElementReferenceException:
            time.sleep(0.05)
    check(False, f"could not click the {key} header")


def wait_for(what, cond, patience=PATIENCE):
    """Polls cond() until it returns a true value (returned) or patience runs out (None)."""
    end = time.time() + patience
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.2)
    check(False, f"waited {patience} s for {what}")
    return None


def column(driver, index):
    """The table's column index as the page shows it, top to bottom."""
    return driver.execute_script(
        "return [...document.querySelectorAll('#trials tbody tr')]"
        ".map(r => r.children[arguments[0]].textContent)", index)


def numbers(texts):
    """Shown numbers (missing ones, "–", dropped)."""
    return [float(t) for t in texts if t not in ("–", "")]


def check_sorting(driver):
    keys = driver.execute_script(
        "return [...document.querySelectorAll('#trials thead th')].map(h => h.dataset.key)")
    vi = keys.index("value")
    click_header(driver, "value")
    up = column(driver, vi)
    click_header(driver, "value")
    down = column(driver, vi)
    ups, downs = numbers(up), numbers(down)
    check(len(ups) >= 2, f"values to sort: {up}")
    check(ups == sorted(ups), f"value ascending after one click: {up}")
    check(downs == sorted(downs, reverse=True), f"value descending after two: {down}")
    check(up.index("–") >= len(ups) if "–" in up else True, f"missing values last: {up}")
    cls = driver.execute_script(
        "return document.querySelector('#trials th[data-key=value]').className")
    check(cls == "desc", f"the header shows the order: {cls!r}")
    ti = keys.index("trial")
    click_header(driver, "trial")
    ids = [int(t) for t in column(driver, ti)]
    check(ids == sorted(ids) and len(ids) == RUN_CAP, f"trial ascending: {ids}")


def check_figures(driver):
    for box in ("history", "curves", "scatter", "slices"):
        svgs, marks = driver.execute_script(
            "const b = document.getElementById(arguments[0]);"
            "return [b.querySelectorAll('svg').length,"
            "        b.querySelectorAll('svg circle, svg path').length]", box)
        check(svgs >= 1, f"#{box} has a figure")
        check(marks >= 3, f"#{box} draws marks: {marks}")
    plots = driver.execute_script("return document.querySelectorAll('#scatter svg').length")
    check(plots == 5, f"one parameter plot per parameter: {plots}")
    slices = driver.execute_script("return document.querySelectorAll('#slices svg').length")
    check(slices == 4, f"one GP slice per numeric parameter: {slices}")
    # importance: a dot per parameter at its category, and an interval bar around each
    names, dots, bars = driver.execute_script(
        "const s = document.querySelector('#importance svg');"
        "if (!s) return [[], 0, 0];"
        "return [[...s.querySelectorAll('text')].map(t => t.textContent),"
        "        s.querySelectorAll('circle').length, s.querySelectorAll('line.interval').length]")
    check({"x", "y", "lr", "n", "c"} <= set(names) and dots == 5,
          f"importance: one dot per parameter, named: {dots} {names}")
    check(bars == 5, f"importance: an interval per parameter: {bars}")


def watch(d, url, driver):
    """Opens the page, starts the run, checks the count grows; returns the run's process."""
    driver.get(url + "?every=300")
    # the study does not exist yet: the page says it waits for it
    wait_for("the page to wait for its study",
             lambda: "waiting" in driver.execute_script(
                 "return document.getElementById('studies').textContent"))
    run = subprocess.Popen([GPBO, "run", "sweep.yaml"], cwd=d, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    first = wait_for("a trial count", lambda: shown_count(driver) is not None)
    first = shown_count(driver) if first else None
    seen = {first}
    grew = wait_for("the trial count to grow",
                    lambda: seen.add(shown_count(driver)) or
                    (first is not None and max(c or 0 for c in seen) > first))
    check(grew, f"the count grew from {first}: saw {sorted(c for c in seen if c is not None)}")
    check(first is not None and first < RUN_CAP, f"seen before the run ended: {first}")
    return run


# hostile names; one intermediate value a trial; x > 1 fails with markup in its reason
HOSTILE_OBJ = """\
    import sys
    a = dict(s[2:].split("=", 1) for s in sys.argv[1:] if s.startswith("--"))
    x = float(a["x#g<b>"])
    if x > 1:
        sys.exit("<img src=x onerror=alert(3)> \u2028 </script>")
    print(f"lo</script>ss={x * x!r} step=1")
    print(f"lo</script>ss={x * x!r}")
    """


def start_dashboard(d):
    """`gpbo dashboard sweep.yaml` in d on a free port: the process and the address it gives."""
    server = subprocess.Popen([GPBO, "dashboard", "sweep.yaml", "--port", "0"], cwd=d,
                              stdout=subprocess.PIPE, text=True)
    m = re.search(r"(http://127\.0\.0\.1:\d+/)", server.stdout.readline())
    check(m, "the dashboard says where it listens")
    return server, m.group(1)


def stop_dashboard(driver, server, d):
    """Leaves the page before the server stops (no failed poll in the next log), then stops the
    server and removes d."""
    driver.get("about:blank")
    driver.get_log("browser")
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)
    shutil.rmtree(d, ignore_errors=True)


def check_hostile(driver):
    """A study whose names, categories and reasons are markup, opened at a hand-made address
    whose #study= is not a valid percent-encoding: the page shows the study (before: the
    URIError of decodeURIComponent made every refresh fail, "server unreachable"), as text (no
    element made from a name), and a trial with one intermediate value is a dot on the learning
    curves (before: a path of one point, which draws nothing)."""
    d = tempfile.mkdtemp(prefix="gpbo-dash-hostile-")
    write(os.path.join(d, "obj.py"), HOSTILE_OBJ)
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: "h<script>alert(1)</script>\\u2028'\\"&"
    method: random
    metric: {{name: "lo</script>ss", goal: minimize}}
    run_cap: 10
    parameters:
      "x#g<b>": {{min: -4.0, max: 4.0}}
      "c\\"'": {{values: ["<img src=x onerror=alert(2)>", "a#gb", "zz"]}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """)
    r = subprocess.run([GPBO, "run", "sweep.yaml"], cwd=d, capture_output=True, timeout=300)
    check(r.returncode == 0, f"gpbo run of the hostile study: {r.stderr[-300:]!r}")
    server, base = start_dashboard(d)
    try:
        driver.get(base + "?every=500#study=%E0%A4%A")
        title = wait_for("the hostile study's title", lambda: driver.execute_script(
            "const t = document.getElementById('title').textContent;"
            "return t.startsWith('h<script>') ? t : null"), patience=30)
        check(title == "h<script>alert(1)</script>\u2028'\"&", f"the title as text: {title!r}")
        # the title is drawn before the refresh ends (the slices are fetched last): wait for it
        status = wait_for("the hostile study's refresh", lambda: driver.execute_script(
            "const s = document.getElementById('status').textContent;"
            "return s.startsWith('connecting') ? null : s"), patience=30)
        check(status and status.startswith("live"), f"the page is live: {status!r}")
        made = driver.execute_script(
            "return [document.querySelectorAll('img').length,"
            "        document.querySelectorAll('script').length]")
        check(made == [0, 1], f"no element made from a name (img, script): {made}")
        trials = subprocess.run([GPBO, "export", "sweep.yaml", "--format", "json"], cwd=d,
                                capture_output=True, text=True).stdout
        complete = trials.count('"state": "complete"') or trials.count('"state":"complete"')
        dots = wait_for("dots on the learning curves", lambda: driver.execute_script(
            "return document.querySelectorAll('#curves svg circle').length"), patience=30)
        check(complete > 0 and dots == complete,
              f"a dot a complete trial of one step: {dots} of {complete}")
        reason = driver.execute_script(
            "return [...document.querySelectorAll('#trials td.reason')]"
            ".map(e => e.textContent).filter(t => t.includes('<img')).length")
        check(reason > 0, "failure reasons shown as text")
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        check(not errors, f"console errors: {errors}")
        # the categories' labels under the axis of c"' do not run over each other
        boxes = driver.execute_script(
            "const s = [...document.querySelectorAll('#scatter svg')].find(v =>"
            "  [...v.querySelectorAll('text')].some(t => t.textContent === 'a#gb'));"
            "if (!s) return null;"
            "const y = [...s.querySelectorAll('text')].find(t => t.textContent === 'a#gb')"
            "  .getAttribute('y');"
            "return [...s.querySelectorAll('text')].filter(t => t.getAttribute('y') === y)"
            "  .map(t => { const b = t.getBBox(); return [b.x, b.x + b.width]; })"
            "  .sort((a, b) => a[0] - b[0]);")
        check(boxes and len(boxes) == 3 and boxes[0][1] <= boxes[1][0] and
              boxes[1][1] <= boxes[2][0],
              f"category labels side by side, not over each other: {boxes}")
        # the storage becomes unreadable: the page says what the server said (before: "server
        # unreachable (api/studies: HTTP 500)", though the server answered)
        for name in os.listdir(d):
            if name.endswith(".db"):
                write(os.path.join(d, name), "no longer a database\n")
        said = wait_for("the server's error on the page", lambda: driver.execute_script(
            "const s = document.getElementById('status').textContent;"
            "return s.includes('not a database') ? s : null"), patience=30)
        check(said and said.startswith("server error:"), f"the server's reason: {said!r}")
        # the page's Content-Security-Policy: markup that reached the page (were a name ever put
        # in as HTML) runs nothing, neither an inline handler nor a script element; before, with
        # no policy, both ran
        driver.execute_script(
            "document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=\"window.__pwn=1\">');"
            "const s = document.createElement('script'); s.textContent = 'window.__pwn2 = 2';"
            "document.body.appendChild(s);")
        time.sleep(1)
        ran = driver.execute_script("return [window.__pwn || null, window.__pwn2 || null]")
        check(ran == [None, None], f"injected script ran: {ran}")
    finally:
        stop_dashboard(driver, server, d)


def check_many_values(driver):
    """A study with 300 000 intermediate values (one long training reporting each batch; stored
    here directly, as its worker would have): the page draws it (before: Math.min(...values)
    overflowed the stack, and the page said "server unreachable (Maximum call stack size
    exceeded)" at every refresh)."""
    d = tempfile.mkdtemp(prefix="gpbo-dash-many-")
    write(os.path.join(d, "obj.py"), HOSTILE_OBJ.replace("lo</script>ss", "loss")
          .replace("x#g<b>", "x"))
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: many
    method: random
    metric: {{name: loss, goal: minimize}}
    run_cap: 3
    parameters:
      x: {{min: -1.0, max: 1.0}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """)
    r = subprocess.run([GPBO, "run", "sweep.yaml"], cwd=d, capture_output=True, timeout=300)
    check(r.returncode == 0, f"gpbo run: {r.stderr[-300:]!r}")
    import sqlite3
    con = sqlite3.connect(os.path.join(d, "many.db"))
    con.executemany("INSERT INTO intermediate(study, trial, step, value) "
                    "SELECT id, 0, ?, ? FROM studies",
                    ((s, 1.0 + 1.0 / s) for s in range(2, 300001)))
    con.commit()
    con.close()
    server, base = start_dashboard(d)
    try:
        driver.get(base + "?every=60000")
        status = wait_for("a refresh", lambda: driver.execute_script(
            "const s = document.getElementById('status').textContent;"
            "return s.startsWith('live') || s.startsWith('server') ? s : null"), patience=60)
        check(status and status.startswith("live"), f"the page is live: {status!r}")
        paths = driver.execute_script("return document.querySelectorAll('#curves path').length")
        check(paths >= 1, f"the learning curves are drawn: {paths} paths")
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        check(not errors, f"console errors: {errors}")
    finally:
        stop_dashboard(driver, server, d)


def check_big_study(driver):
    """A study of 5000 trials x 100 intermediate values (test_dashboard.big_study): the page
    shows its counts and best, then polls only what changed (before: each poll fetched every
    trial again, about 13 MB): the polls after the first ask with since= and get a few hundred
    bytes, and a trial that starts, reports a step and ends with the best value reaches the
    page's count, legend, best and table each time."""
    import sqlite3
    from test_dashboard import big_study
    d = tempfile.mkdtemp(prefix="gpbo-dash-big-")
    db = big_study(d)
    con = sqlite3.connect(db, isolation_level=None)
    sid = con.execute("SELECT id FROM studies").fetchone()[0]
    best0 = con.execute("SELECT MIN(value) FROM trials").fetchone()[0]
    server, base = start_dashboard(d)
    try:
        driver.get(base + "?every=500")
        wait_for("5000 trials on the page", lambda: shown_count(driver) == 5000, patience=120)

        def shown():
            return driver.execute_script(
                "const t = id => (document.getElementById(id) || {}).textContent;"
                "const r = document.querySelector('#trials tr[data-trial=\"5000\"] .st');"
                "return [t('ntrials'), t('n-complete'), t('n-running'), t('best'),"
                "        document.querySelectorAll('#trials tbody tr').length,"
                "        r ? r.textContent : null]")
        first = shown()
        check(first[:2] == ["5000", "complete 5000"] and first[4] == 5000,
              f"counts of the big study: {first}")
        check(abs(float(first[3]) - best0) <= 1e-4 * abs(best0), f"best {first[3]} vs {best0}")
        # every trial drawn, in few elements (before: one each, with its tooltip: 5000 curves
        # and 25 000 dots took seconds to draw at each change)
        drawn = driver.execute_script(
            "const n = s => document.querySelectorAll(s).length;"
            "const ms = s => [...document.querySelectorAll(s)]"
            "  .reduce((a, e) => a + (e.getAttribute('d').match(/M/g) || []).length, 0);"
            "return {curves: n('#curves svg *'), curveM: ms('#curves path.merged'),"
            "        scatter: n('#scatter svg *'), history: n('#history svg *'),"
            "        historyM: ms('#history path.merged'),"
            "        cost: typeof figures === 'undefined' ? -1 : figures.cost}")
        check(drawn["curves"] < 100 and drawn["curveM"] >= 4998, f"curves: {drawn}")
        check(drawn["scatter"] < 500 and drawn["history"] < 100 and drawn["historyM"] >= 4999,
              f"parameter plots and history: {drawn}")
        print(f"the big study's figures and table drawn in {drawn['cost']:.0f} ms")
        now = time.time()
        con.execute("INSERT INTO trials(study, id, state, params, started, worker, heartbeat) "
                    "SELECT study, 5000, 0, params, ?, 'otherhost:1:0', ? FROM trials "
                    "WHERE id = 0", (now, now))
        con.execute("INSERT INTO intermediate VALUES (?, 5000, 1, 0.5)", (sid,))
        seen = wait_for("the running trial on the page", lambda: (lambda v: v if v[0] == "5001"
                        and v[2] == "running 1" and v[5] == "running" else None)(shown()),
                        patience=120)
        check(seen and seen[4] == 5001, f"a row for it: {seen}")
        con.execute("UPDATE trials SET state = 1, value = 0.0625, finished = ? "
                    "WHERE study = ? AND id = 5000", (now + 1, sid))
        seen = wait_for("the ended trial on the page", lambda: (lambda v: v if v[1] ==
                        "complete 5001" and v[3] == "0.0625" and v[5] == "complete" else None)(
                        shown()), patience=120)
        check(seen and seen[2] == "running 0", f"nothing runs: {seen}")
        # a few quiet polls: waited for, not slept for (a loaded machine polled only three
        # times in 2 s, the page redrawing the big study between polls)
        polls = wait_for("four polls of the trials", lambda: (lambda p: p if len(p) >= 4 else
                         None)(driver.execute_script(
                             "return performance.getEntriesByType('resource')"
                             ".filter(r => r.name.includes('/api/trials'))"
                             ".map(r => [r.name, r.encodedBodySize])")), patience=120) or []
        check(len(polls) >= 4 and "since=" not in polls[0][0] and
              all("since=" in u for u, _ in polls[1:]), f"polls with since=: {polls[:3]}")
        check(polls[0][1] > 10_000_000 and all(n < 1000 for _, n in polls[1:]),
              f"bytes: the first {polls[0][1]}, then at most "
              f"{max((n for _, n in polls[1:]), default=None)}")
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        check(not errors, f"console errors: {errors}")
    finally:
        con.close()
        stop_dashboard(driver, server, d)


def mo_study(prefix, name, metrics, prints, run_cap):
    """A folder holding a random-search study of several objectives on x, y in [0, 1], run:
    metrics (name, goal) pairs, prints the objective's lines of code computing them."""
    d = tempfile.mkdtemp(prefix=prefix)
    write(os.path.join(d, "obj.py"), """\
    import sys
    a = dict(s[2:].split("=", 1) for s in sys.argv[1:] if s.startswith("--"))
    x, y = float(a["x"]), float(a["y"])
""" + "".join(f"    {line}\n" for line in prints))
    listed = "".join(f"      - {{name: {m}, goal: {g}}}\n" for m, g in metrics)
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: {name}
    method: random
    metrics:
{listed}    run_cap: {run_cap}
    parameters:
      x: {{min: 0.0, max: 1.0}}
      y: {{min: 0.0, max: 1.0}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """)
    r = subprocess.run([GPBO, "run", "sweep.yaml"], cwd=d, capture_output=True, timeout=300)
    check(r.returncode == 0, f"gpbo run: {r.stderr[-300:]!r}")
    return d


def check_objectives(driver):
    """A study of two objectives (maximize acc, minimize seconds): the objective-per-trial card
    draws one figure per objective, each trial's dot at its own value of that objective (before:
    one figure, of the first objective only), and the Pareto front card is shown."""
    import json
    d = mo_study("gpbo-dash-mo-", "mo", [("acc", "maximize"), ("seconds", "minimize")], [
        'print(f"acc={1 - (1 - x) ** 2 - 0.1 * y * y!r}")',
        'print(f"seconds={1 + 10 * x * x + y!r}")'], 8)
    exported = json.loads(subprocess.run([GPBO, "export", "sweep.yaml", "--format", "json"],
                                         cwd=d, capture_output=True, text=True).stdout)
    server, base = start_dashboard(d)
    try:
        driver.get(base + "?every=60000")
        figs = wait_for("the objectives' figures", lambda: driver.execute_script(
            "const f = [...document.querySelectorAll('#history svg')];"
            "return f.length ? f.map(s => [(s.querySelector('text.title') || {}).textContent || null,"
            "  [...s.querySelectorAll('circle title')].map(t => t.textContent)]) : null"),
            patience=60)
        check(figs and [f[0] for f in figs] == ["acc (maximize)", "seconds (minimize)"],
              f"a figure per objective: {[f[0] for f in figs] if figs else figs}")
        titled = figs and [f[0] for f in figs] == ["acc (maximize)", "seconds (minimize)"]
        for name, fig in zip(("acc", "seconds"), figs if titled else []):
            want = sorted(f"trial {t['trial']}: {name} = " for t in exported)
            got = sorted(re.sub(r"= .*", "= ", t) for t in fig[1])
            check(got == want, f"{name}: a dot a trial: {got} vs {want}")
            shown = {int(re.search(r"trial (\d+)", t).group(1)): float(t.split("= ")[1])
                     for t in fig[1]}
            check(all(abs(shown[t["trial"]] - t["metrics"][name]) <= 1e-4 *
                      max(1, abs(t["metrics"][name])) for t in exported),
                  f"{name}: each dot at the trial's own value: {shown}")
        hidden = driver.execute_script("return document.getElementById('pareto-card').hidden")
        check(hidden is False, "the Pareto front is shown")
        paths = driver.execute_script(
            "return [...document.querySelectorAll('#pareto svg')].map(s => s.querySelectorAll("
            "'path[stroke-width=\"2\"]').length)")
        check(paths == [1], f"two objectives: one figure, its front joined by a line: {paths}")
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        check(not errors, f"console errors: {errors}")
    finally:
        stop_dashboard(driver, server, d)
    check_three_objectives(driver)


def check_three_objectives(driver):
    """Three objectives: the front is that of all three, so drawn on two of them its points need
    not be a front there; each pair's figure shows them unjoined (before: joined by a line as if
    they were the front of those two), and the caption says so."""
    d = mo_study("gpbo-dash-mo3-", "mo3", [("f1", "minimize"), ("f2", "minimize"),
                                           ("f3", "minimize")],
                 ['print(f"f1={x!r}")', 'print(f"f2={y!r}")',
                  'print(f"f3={(1 - x) ** 2 + (1 - y) ** 2!r}")'], 10)
    server, base = start_dashboard(d)
    try:
        driver.get(base + "?every=60000")
        figs = wait_for("the Pareto figures", lambda: driver.execute_script(
            "const f = [...document.querySelectorAll('#pareto svg')];"
            "return f.length ? f.map(s => [s.querySelectorAll('circle').length,"
            "  s.querySelectorAll('path[stroke-width=\"2\"]').length]) : null"), patience=60)
        check(figs is not None and len(figs) == 3, f"a figure per pair of objectives: {figs}")
        check(figs is not None and all(paths == 0 for _, paths in figs),
              f"no line joins the front's points in a pair's figure: {figs}")
        what = driver.execute_script("return document.getElementById('pareto-what').textContent")
        check("of all 3 objectives" in what, f"the caption says whose front it is: {what!r}")
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        check(not errors, f"console errors: {errors}")
    finally:
        stop_dashboard(driver, server, d)


def check_extreme_values(driver):
    """Values a few ulps apart (0.3 and 0.1 + 0.2) and values of 1e308 and -1e308 (finite: `gpbo
    run` keeps them): every figure drawn, no NaN in any of its attributes, no console error
    (before: the ticks of a span of a few ulps never advanced, and the page failed at every
    refresh, "Invalid array length"; an axis from -1e308 to 1e308 was infinitely wide, its marks
    at NaN)."""
    for name, prints in (("ulps", 'print(f"loss={0.1 + 0.2 if x > 0.5 else 0.3!r}")'),
                         ("huge", 'print(f"loss={1e308 if x > 0.6 else -1e308 if x > 0.3 else x!r}")')):
        d = mo_study("gpbo-dash-" + name + "-", name, [("loss", "minimize")],
                     ['print(f"loss={x!r} step=1")', prints], 8)
        server, base = start_dashboard(d)
        try:
            driver.get(base + "?every=60000")
            status = wait_for("a refresh", lambda: driver.execute_script(
                "const s = document.getElementById('status').textContent;"
                "return s.startsWith('live') || s.startsWith('server') ? s : null"), patience=60)
            check(status and status.startswith("live"), f"{name}: the page is live: {status!r}")
            drawn = driver.execute_script(
                "const bad = [...document.querySelectorAll('svg *')].filter(e =>"
                "  [...e.attributes].some(a => /NaN|Infinity/.test(a.value))).length;"
                "return [bad, ...['history', 'scatter', 'curves'].map(id =>"
                "  document.querySelectorAll('#' + id + ' svg').length)]")
            check(drawn[0] == 0 and all(n >= 1 for n in drawn[1:]),
                  f"{name}: figures drawn, no NaN in them: {drawn}")
            errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
            check(not errors, f"{name}: console errors: {errors}")
        finally:
            stop_dashboard(driver, server, d)


def check_beyond_1e300(driver):
    """Values beyond 1e300 in magnitude (a diverged loss: 1e308, -1e308, 2e300), among ordinary
    ones: as in the report, the figures leave them out, and say how many, while the table keeps
    them; every mark and tick of a figure is an ordinary value's (before, the axes stretched from
    -1e308 to 1e308, every ordinary value on one line in the middle and the huge ones at the
    ends). A study whose every value is beyond: its figure says there is nothing to draw."""
    values = [1e308, 0.5, -1e308, 0.25, 2e300, 0.75, -3e301, 0.4, 0.9, 0.1]
    steps = [0.3, 5e305, 0.3, 0.2, -5e305, 0.7, 0.3, 0.4, 0.8, 0.1]
    ordinary = [v for v in values if abs(v) <= 1e300]

    def study(name, vals, inter):
        d = tempfile.mkdtemp(prefix="gpbo-dash-1e300-")
        os.mkdir(os.path.join(d, "calls"))
        write(os.path.join(d, "obj.py"), f"""\
        import os
        n = len(os.listdir("calls")); open(f"calls/{{n}}", "w").close()
        print(f"loss={{{inter}[n]!r}} step=1")
        print(f"loss={{{vals}[n]!r}}")
        """)
        write(os.path.join(d, "sweep.yaml"), f"""\
        name: {name}
        method: random
        metric: {{name: loss, goal: minimize}}
        run_cap: {len(vals)}
        parameters:
          x: {{min: 0.0, max: 1.0}}
        command: ["{PY}", "obj.py", "${{args}}"]
        """)
        r = subprocess.run([GPBO, "run", "sweep.yaml"], cwd=d, capture_output=True, timeout=300)
        check(r.returncode == 0, f"gpbo run {name}: {r.stderr[-300:]!r}")
        return d
    # each figure's marks (circles' centres, the best-so-far path's points), its plot rect and
    # the numbers of its ticks
    read = """
        const fig = s => {
          const r = s.querySelector('rect'), R = [+r.getAttribute('x'), +r.getAttribute('y'),
            +r.getAttribute('x') + +r.getAttribute('width'),
            +r.getAttribute('y') + +r.getAttribute('height')];
          const dots = [...s.querySelectorAll('circle')].map(c => [+c.getAttribute('cx'),
            +c.getAttribute('cy')]);
          const path = [...s.querySelectorAll('path[stroke-width="2"]')].flatMap(p =>
            (p.getAttribute('d').match(/-?[0-9.e+]+,-?[0-9.e+]+/g) || []).map(xy =>
              xy.split(',').map(Number)));
          const ticks = [...s.querySelectorAll('text')].map(t => t.textContent)
            .filter(t => /^-?[0-9.]+(e[-+]?[0-9]+)?$/.test(t)).map(Number);
          return {rect: R, dots, path, ticks};
        };
        const one = id => [...document.querySelectorAll('#' + id + ' svg')].map(fig);
        const text = id => (document.getElementById(id) || {}).textContent || '';
        return {history: one('history'), scatter: one('scatter'), curves: one('curves'),
                notes: ['history-note', 'scatter-note', 'curves-note'].map(text),
                empties: ['history', 'scatter', 'curves'].map(id =>
                  (document.querySelector('#' + id + ' .empty') || {}).textContent || null),
                table: [...document.querySelectorAll('#trials tbody tr')].map(r =>
                  r.children[2].textContent)};"""

    def inside(f):
        (x0, y0, x1, y1) = f["rect"]
        return all(x0 - 1 <= x <= x1 + 1 and y0 - 1 <= y <= y1 + 1
                   for x, y in f["dots"] + f["path"])
    d = study("huge", values, steps)
    server, base = start_dashboard(d)
    try:
        driver.get(base + "?every=60000")
        got = wait_for("the figures", lambda: (lambda g: g if len(g["table"]) == len(values) and
                                               g["history"] else None)(
            driver.execute_script(read)), patience=60)
        if got:
            h, sc, cu = got["history"][0], got["scatter"], got["curves"]
            check(len(h["dots"]) == len(ordinary), f"history: a dot a value drawn: {h['dots']}")
            check(len(h["path"]) >= 2 and inside(h), f"history: marks inside the plot: {h}")
            check(h["ticks"] and max(abs(t) for t in h["ticks"]) < 10,
                  f"history: the axis of the ordinary values: {h['ticks']}")
            check(len(sc) == 1 and len(sc[0]["dots"]) == len(ordinary) and inside(sc[0]) and
                  max(abs(t) for t in sc[0]["ticks"]) < 10, f"scatter: {sc}")
            drawn = sum(abs(v) <= 1e300 for v in steps)
            check(len(cu) == 1 and len(cu[0]["dots"]) == drawn and inside(cu[0]) and
                  max(abs(t) for t in cu[0]["ticks"]) < 10, f"curves: {cu}")
            want = [f"{n} values beyond 1e300 in magnitude left out of the figure (in the table)"
                    for n in (len(values) - len(ordinary), len(values) - len(ordinary),
                              len(steps) - drawn)]
            check(got["notes"] == want, f"the notes: {got['notes']}")
            check({"1e+308", "-1e+308", "2e+300", "-3e+301"} <= set(got["table"]),
                  f"the table keeps them: {got['table']}")
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        check(not errors, f"console errors: {errors}")
    finally:
        stop_dashboard(driver, server, d)
    d = study("allhuge", [1e308, -1e308, 5e300], [1e308, -2e301, 5e300])
    server, base = start_dashboard(d)
    try:
        driver.get(base + "?every=60000")
        got = wait_for("the figures", lambda: (lambda g: g if len(g["table"]) == 3 and
                                               g["empties"][0] else None)(
            driver.execute_script(read)), patience=60)
        check(got and got["empties"] == ["nothing finite to draw (values infinite or beyond 1e300 "
                                         "in magnitude)"] * 3 and not got["history"],
              f"nothing to draw, said: {got and got['empties']}")
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        check(not errors, f"console errors: {errors}")
    finally:
        stop_dashboard(driver, server, d)


def check_one_trial(driver):
    """A Bayesian study of one complete trial: its model draws the slices, and the importance
    card says why it has none (the model's one observation varies no parameter), not "no model"
    (before, the card said "no importance to show: no model" under the slices of that model)."""
    d = tempfile.mkdtemp(prefix="gpbo-dash-one-")
    write(os.path.join(d, "obj.py"), """\
    import sys
    a = dict(s[2:].split("=", 1) for s in sys.argv[1:] if s.startswith("--"))
    print(f"loss={float(a['x']) ** 2 + float(a['y'])!r}")
    """)
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: one
    method: bayes
    metric: {{name: loss, goal: minimize}}
    run_cap: 1
    parameters:
      x: {{min: -1.0, max: 1.0}}
      y: {{min: -1.0, max: 1.0}}
      c: {{values: [a, b]}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """)
    r = subprocess.run([GPBO, "run", "sweep.yaml"], cwd=d, capture_output=True, timeout=300)
    check(r.returncode == 0, f"gpbo run: {r.stderr[-300:]!r}")
    server, base = start_dashboard(d)
    try:
        driver.get(base + "?every=60000")
        got = wait_for("the model's cards", lambda: driver.execute_script(
            "const e = document.querySelector('#importance .empty, #importance svg');"
            "return e ? [document.querySelectorAll('#slices svg').length,"
            "  (document.querySelector('#slices .empty') || {}).textContent || null,"
            "  e.textContent] : null"), patience=60)
        check(got and got[0] == 2 and got[1] is None, f"the slices of x and y drawn: {got}")
        check(got and got[2] == "no importance to show: the model has one observation: no "
              "parameter varies yet", f"the importance card says why: {got and got[2]!r}")
        check(got and "no model" not in got[2], "the card does not say 'no model'")
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        check(not errors, f"console errors: {errors}")
    finally:
        stop_dashboard(driver, server, d)


def check_recommended(driver):
    """The best card shows, beside the best observed trial, the trial the model recommends when
    it is another (from /api/slices' "recommended": its id, observed and predicted values, and
    gpbo best --by model), and nothing more when the two agree. Noisy studies (gpbo import of a
    bowl plus noise, 8 seeds) and a noiseless one; which of them differ is read from the JSON,
    and one of each kind is opened (the old page had no such line)."""
    import json
    import random
    import urllib.request
    d = tempfile.mkdtemp(prefix="gpbo-dash-rec-")
    for seed in range(9):
        name, sd = (f"n{seed}", 0.25) if seed < 8 else ("smooth", 0.0)
        write(os.path.join(d, "sweep.yaml"), f"""\
        name: {name}
        method: bayes
        run_cap: 100
        metric: {{name: loss, goal: minimize}}
        parameters:
          x: {{min: 0.0, max: 1.0}}
          y: {{min: 0.0, max: 2.0}}
        command: ["{PY}", "obj.py", "${{args}}"]
        """)
        rng = random.Random(seed)
        rows = ["trial,state,value,x,y"]
        for t in range(30):
            x, y = rng.uniform(0, 1), rng.uniform(0, 2)
            rows.append(f"{t},complete,{(x - 0.3) ** 2 + (y - 0.6) ** 2 + rng.gauss(0, sd)!r},"
                        f"{x!r},{y!r}")
        write(os.path.join(d, "trials.csv"), "\n".join(rows) + "\n")
        r = subprocess.run([GPBO, "import", "sweep.yaml", "trials.csv", "--storage", "st.db"],
                           cwd=d, capture_output=True, text=True, timeout=120)
        check(r.returncode == 0, f"import {name}: {r.stderr}")
    server = subprocess.Popen([GPBO, "dashboard", "--storage", "st.db", "--port", "0"], cwd=d,
                              stdout=subprocess.PIPE, text=True)
    m = re.search(r"(http://127\.0\.0\.1:\d+/)", server.stdout.readline())
    check(m, "the dashboard says where it listens")
    base = m.group(1)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def api(path):
        with opener.open(base + path, timeout=300) as r:
            return json.loads(r.read().decode())

    def card(name):
        """The card's line (hidden, text) and the best trial it shows, once the page shows study
        name with its slices drawn (the answer that holds the recommendation came with them)."""
        return driver.execute_script(
            "const r = document.getElementById('best-rec');"
            "return r && document.getElementById('title').textContent === arguments[0] &&"
            "  document.querySelectorAll('#slices svg').length ?"
            "  [r.hidden, r.textContent, document.getElementById('best-trial').textContent] : null",
            name)

    try:
        differ, agree = [], []
        for seed in range(9):
            name = f"n{seed}" if seed < 8 else "smooth"
            rec = api(f"api/slices?name={name}").get("recommended")
            best = api(f"api/study?name={name}")["best_trial"]
            check(rec, f"{name}: /api/slices recommends a trial: {rec}")
            if rec:
                (differ if rec["trial"] != best else agree).append((name, rec, best))
        check(differ and agree, f"studies where the two differ {differ} and agree {agree}")
        for name, rec, best in differ[:1] + agree[:1]:
            driver.get("about:blank")  # a new page: only the hash changes otherwise
            driver.get(base + "?every=60000#study=" + name)
            got = wait_for(f"{name}'s best card and slices", lambda: card(name), patience=120)
            if rec["trial"] != best:
                check(got and not got[0] and
                      got[1].startswith(f"the model recommends trial {rec['trial']}: observed ")
                      and "predicted" in got[1] and "gpbo best --by model" in got[1] and
                      got[2].startswith(f"trial {best} "),
                      f"{name}: best {best}, recommended {rec['trial']}: the card shows {got}")
            else:
                check(got and got[0] and got[1] == "",
                      f"{name}: they agree (trial {best}): the card shows {got}")
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        check(not errors, f"console errors: {errors}")
    finally:
        stop_dashboard(driver, server, d)


def check_slices_subset(driver):
    """A Bayesian study of 1100 imported trials: the captions of its GP slices and importance say
    that the model was fitted on 1000 of its 1100 observations (/api/slices' "subset": the
    recommendation's model, GPBO_RECOMMEND_MAX_OBS; 500 until the branch loose); a study of 40
    says nothing of the kind (the old page had no such caption, and its server fitted all
    1100)."""
    from test_dashboard import import_study
    d = tempfile.mkdtemp(prefix="gpbo-dash-subset-")
    import_study(d, "st.db", "big", 4, ntrials=1100, method="bayes")
    import_study(d, "st.db", "small", 4, ntrials=40, method="bayes")
    server = subprocess.Popen([GPBO, "dashboard", "--storage", "st.db", "--port", "0"], cwd=d,
                              stdout=subprocess.PIPE, text=True)
    m = re.search(r"(http://127\.0\.0\.1:\d+/)", server.stdout.readline())
    check(m, "the dashboard says where it listens")

    def captions(name):
        return driver.execute_script(
            "const t = id => (document.getElementById(id) || {}).textContent || '';"
            "return document.getElementById('title').textContent === arguments[0] &&"
            "  document.querySelectorAll('#slices svg').length &&"
            "  document.querySelectorAll('#importance svg').length ?"
            "  [t('slices-what'), t('importance-what')] : null", name)

    try:
        for name, subset in (("big", True), ("small", False)):
            driver.get("about:blank")
            driver.get(m.group(1) + "?every=60000#study=" + name)
            got = wait_for(f"{name}'s slices and importance", lambda: captions(name),
                           patience=600)
            said = "fitted on 1000 of its 1100 observations (the best half and a space-filling rest)"
            check(got and all((said in c) == subset for c in got) and
                  all("fitted on" not in c for c in got if not subset),
                  f"{name}: the captions {'say' if subset else 'do not say'} it: {got}")
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        check(not errors, f"console errors: {errors}")
    finally:
        stop_dashboard(driver, server, d)


def check_long_names(driver):
    """A study whose name, parameter name and category are each one long word (as long as a
    sweep file allows): the page stays as wide as the window (before: the title, the study's
    button, the best trial's parameters and the notes widened it to 3600 px)."""
    name, param, cat = "s" + "N" * 199, "p" * 199, "a" + "C" * 250
    d = tempfile.mkdtemp(prefix="gpbo-dash-long-")
    write(os.path.join(d, "obj.py"), """\
    import sys
    a = dict(s[2:].split("=", 1) for s in sys.argv[1:] if s.startswith("--"))
    print(f"loss={float(a['x']) ** 2!r}")
    """)
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: {name}
    method: random
    metric: {{name: loss, goal: minimize}}
    run_cap: 4
    parameters:
      x: {{min: -4.0, max: 4.0}}
      {param}: {{values: [{cat}, b]}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """)
    r = subprocess.run([GPBO, "run", "sweep.yaml"], cwd=d, capture_output=True, timeout=300)
    check(r.returncode == 0, f"gpbo run: {r.stderr[-300:]!r}")
    server, base = start_dashboard(d)
    try:
        driver.get(base + "?every=60000")
        wait_for("the study's title", lambda: driver.execute_script(
            "return document.getElementById('title').textContent === arguments[0]", name),
            patience=60)
        wait_for("the importance's note", lambda: driver.execute_script(
            "return document.querySelector('#importance .empty')"), patience=60)
        widths = driver.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]")
        check(widths[0] <= widths[1], f"the page as wide as the window: {widths}")
    finally:
        stop_dashboard(driver, server, d)


# Failure reasons as a program's stderr gives them (stored as they are), and what the page and
# the report show of each (report/text.c, the dashboard's shown()): terminal control sequences
# left out, other control characters as their symbols, tab and line end kept.
CONTROL_REASONS = [
    ("Traceback (most recent call last):\n  File \"\x1b[35mtrain.py\x1b[0m\", line \x1b[35m3"
     "\x1b[0m\n\x1b[1;35mValueError\x1b[0m: \x1b[35mlr too high\x1b[0m",
     "Traceback (most recent call last):\n  File \"train.py\", line 3\nValueError: lr too high"),
    ("\x1b[38;5;196mA\x1b[38;2;1;2;3mB\x1b[?25l\x1b[2K\x1b[1A\x1b[10;20HC", "ABC"),
    ("see \x1b]8;;http://x.example/\x1b\\docs\x1b]8;;\x1b\\ \x1b]0;title\x07end", "see docs end"),
    ("a\x1b(Bb\x1b=c\x1bcd", "abcd"),
    ("x\x9b31my\x9d0;t\x9cz\x85w", "xyzw"),
    ("ok\x1b]0;no end", "ok"),
    ("ab\x1b[12", "ab"),
    ("a\x07b\x01\x7f\x1b\tc\r\nd\re", "a\u2407b\u2401\u2421\u241b\tc\nd\u240de"),
    ("\x1b\x1b[0mq\x1b", "\u241bq\u241b"),
    ("<b>\x1b[1mbold</b> \u00e9t\u00e9 \u2028", "<b>bold</b> \u00e9t\u00e9 \u2028"),
]


def check_control_sequences(driver):
    """Failure reasons with terminal control sequences (a Python traceback in colour, links,
    window titles, cursor moves, the 8-bit forms), a study name and a category with colours:
    the dashboard shows each as the report writes it, in plain text (before, both showed the
    escape bytes as they were: "[35mValueError[0m", with a stray control character where the
    ESC was)."""
    import sqlite3
    d = tempfile.mkdtemp(prefix="gpbo-dash-ctl-")
    write(os.path.join(d, "obj.py"), """\
    import sys
    a = dict(s[2:].split("=", 1) for s in sys.argv[1:] if s.startswith("--"))
    sys.exit("failed") if float(a["x"]) > 0.5 else print(f"loss={float(a['x'])!r}")
    """)
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: "c\\e[1mtl\\e[0m\\x07"
    method: random
    metric: {{name: loss, goal: minimize}}
    run_cap: {len(CONTROL_REASONS)}
    parameters:
      x: {{min: -1.0, max: 1.0}}
      c: {{values: ["\\e[32mgreen\\e[0m", "b"]}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """)
    r = subprocess.run([GPBO, "run", "sweep.yaml"], cwd=d, capture_output=True, timeout=300)
    check(r.returncode == 0, f"gpbo run: {r.stderr[-300:]!r}")
    db = [os.path.join(d, n) for n in os.listdir(d) if n.endswith(".db")][0]
    con = sqlite3.connect(db)
    con.executemany("UPDATE trials SET reason = ? WHERE id = ?",
                    [(raw, k) for k, (raw, _) in enumerate(CONTROL_REASONS)])
    con.commit()
    con.close()
    page = os.path.join(d, "r.html")
    r = subprocess.run([GPBO, "report", "sweep.yaml", "-o", page], cwd=d, capture_output=True,
                       text=True, timeout=300)
    check(r.returncode == 0, f"gpbo report: {r.stderr[-300:]!r}")
    driver.get("file://" + page)
    report_title = driver.execute_script("return document.querySelector('h1').textContent")
    table = [t for t in driver.execute_script(
        "return [...document.querySelectorAll('table')].filter(t =>"
        "  (t.querySelector('caption') || {}).textContent === 'Trials').map(t =>"
        "  [...t.querySelectorAll('tbody tr')].map(r => [...r.children].map(c => c.textContent)))")]
    report_rows = {int(row[0]): row for row in (table[0] if table else [])}
    server, base = start_dashboard(d)
    try:
        driver.get(base + "?every=60000")
        rows = wait_for("the table of trials", lambda: (lambda t: t if len(t) == len(
            CONTROL_REASONS) else None)(driver.execute_script(
                "return [...document.querySelectorAll('#trials tbody tr')].map(r =>"
                "  [r.dataset.trial, r.querySelector('td.reason').textContent,"
                "   r.querySelector('td.reason').title, r.children[4].textContent])")),
            patience=60) or []
        title = driver.execute_script("return document.getElementById('title').textContent")
        button = driver.execute_script(
            "return document.querySelector('.study').firstChild.textContent")
        check(title == button == "ctl\u2407" and report_title == "gpbo report: ctl\u2407",
              f"the study's name: page {title!r}, list {button!r}, report {report_title!r}")
        for trial, note, tip, cat in rows:
            k = int(trial)
            want = CONTROL_REASONS[k][1]
            check(note == want and tip == want, f"trial {k}: the page shows {note!r} "
                  f"(tooltip {tip!r}), want {want!r}")
            rep = report_rows.get(k)
            check(rep is not None and rep[-1] == note, f"trial {k}: the report writes "
                  f"{rep[-1] if rep else None!r}, the page {note!r}")
            check(rep is not None and cat in ("green", "b") and rep[4] == cat,
                  f"trial {k}: the category: page {cat!r}, report {rep[4] if rep else None!r}")
        shown_all = driver.execute_script("return document.body.innerText")
        check(not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", shown_all),
              "no control character on the page")
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        check(not errors, f"console errors: {errors}")
    finally:
        stop_dashboard(driver, server, d)


def main():
    shot = sys.argv[sys.argv.index("--screenshot") + 1] if "--screenshot" in sys.argv else None
    if "--only" in sys.argv:  # the named checks alone, without the live run
        driver = browser(tempfile.mkdtemp(prefix="gpbo-dash-profile-"))
        try:
            for name in sys.argv[sys.argv.index("--only") + 1].split(","):
                globals()[name](driver)
        finally:
            driver.quit()
        from clitest import FAILS
        print(f"{len(FAILS)} checks failed" if FAILS else "all checks passed")
        return 1 if FAILS else 0
    d = tempfile.mkdtemp(prefix="gpbo-dash-browser-")
    sweep(d)
    server, url = start_dashboard(d)
    driver = browser(os.path.join(d, "profile"))
    run = None
    try:
        check_hostile(driver)
        check_many_values(driver)
        check_big_study(driver)
        check_objectives(driver)
        check_extreme_values(driver)
        check_beyond_1e300(driver)
        check_one_trial(driver)
        check_recommended(driver)
        check_slices_subset(driver)
        check_long_names(driver)
        check_control_sequences(driver)
        run = watch(d, url, driver)
        check(run.wait(timeout=600) == 0, "gpbo run completed")
        wait_for("every trial on the page", lambda: shown_count(driver) == RUN_CAP)
        # the run is over: the page once more, polling seldom, so that clicks meet no redraw
        driver.get(url + "?every=30000")
        wait_for("the page with every trial", lambda: shown_count(driver) == RUN_CAP)
        wait_for("the GP's slices", lambda: driver.execute_script(
            "return document.querySelectorAll('#slices svg').length"))
        check_figures(driver)
        check_sorting(driver)
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        check(not errors, f"console errors: {errors}")
        fetched = driver.execute_script(
            "return performance.getEntriesByType('resource').map(r => r.name)")
        others = [f for f in fetched if not f.startswith(url)]
        check(not others, f"fetched from elsewhere: {others}")
        check(any("/api/trials" in f for f in fetched), "the page polls the trials")
        if shot:
            click_header(driver, "value")
            driver.execute_script("window.scrollTo(0, 0)")
            # the whole page, down to the importance and the table
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(1400, min(int(height) + 140, 6000))
            driver.save_screenshot(shot)
    finally:
        driver.quit()
        if run is not None and run.poll() is None:
            run.send_signal(signal.SIGINT)
            run.wait(timeout=60)
        server.send_signal(signal.SIGTERM)
        check(server.wait(timeout=60) == 0, "the dashboard stops on SIGTERM")
        shutil.rmtree(d, ignore_errors=True)
    from clitest import FAILS
    print(f"{len(FAILS)} checks failed" if FAILS else "all checks passed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
