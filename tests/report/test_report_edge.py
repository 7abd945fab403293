#!/usr/bin/python3
"""`gpbo report` on studies at the edges, each page opened in headless Chromium (Debian's
chromium and chromedriver, as test_report_browser.py): it loads with no console error and no
script, and every figure on it is drawn.

- values a few ulps apart (0.3 and 0.1 + 0.2): PLplot's ticks on that span never advanced; the
  report ran until the disk was full (its temporary file grew by a gigabyte a second);
- values of 1e308 then -1e308 (finite: `gpbo run` keeps them): the gap to the final best had
  nothing finite to draw, and that one figure ended the whole report (exit 1, no page); now it
  is left out and the page says so;
- only failed trials: the section of figures was empty, without a word; now it says why;
- a study, a parameter and a category each named by one long word: the page was 3000 px wider
  than the window (its table); now their text wraps.

Usage: test_report_edge.py PATH/TO/gpbo
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from clitest import GPBO, PY, check, write  # noqa: E402
from test_report_browser import browser  # noqa: E402

SWEEP = """\
    name: {name}
    method: random
    metric: {{name: loss, goal: minimize}}
    run_cap: 6
    parameters:
      x: {{min: -4.0, max: 4.0}}
      {param}: {{values: [{cat}, b]}}
    command: ["{py}", "obj.py", "${{args}}"]
    """
# each objective: what the trial of x prints (a = the arguments)
OBJECTIVES = {
    "ulps": 'print(f"loss={0.1 + 0.2 if float(a[\'x\']) > 0 else 0.3!r}")',
    # 1e308, then -1e308 (the best so far: its gap to the final best is infinite), then x
    "huge": 'import os; n = len(os.listdir("calls")); open(f"calls/{n}", "w").close(); '
            'print(f"loss={[1e308, -1e308][n] if n < 2 else float(a[\'x\'])!r}")',
    "failing": 'sys.exit("no value <b>here</b>")',
    # one long word, as long as a sweep file allows, for the study, a parameter, a category
    "s" + "N" * 199: 'print(f"loss={float(a[\'x\']) ** 2!r}")',
}
HEAD = """\
    import sys
    a = dict(s[2:].split("=", 1) for s in sys.argv[1:] if s.startswith("--"))
    """


def report(d, name):
    """Runs study name in d and writes its report (bounded: a hang is a failure, not a full
    disk); returns the page's path or None."""
    write(os.path.join(d, "obj.py"), HEAD + OBJECTIVES[name] + "\n")
    long = name.startswith("sNNN")
    write(os.path.join(d, "sweep.yaml"), SWEEP.format(name=name, py=PY, param="p" * 199 if long
                                                      else "c", cat="a" + "C" * 250 if long
                                                      else "a"))
    os.mkdir(os.path.join(d, "calls"))
    subprocess.run([GPBO, "run", "sweep.yaml"], cwd=d, capture_output=True, timeout=300)
    tmp = os.path.join(d, "tmp")
    os.mkdir(tmp)
    page = os.path.join(d, "r.html")
    try:
        r = subprocess.run(["sh", "-c", 'ulimit -f 131072; exec "$@"', "sh", GPBO, "report",
                            "sweep.yaml", "-o", page], cwd=d, capture_output=True, text=True,
                           timeout=120, env=dict(os.environ, TMPDIR=tmp))
    except subprocess.TimeoutExpired:
        check(False, f"{name}: gpbo report still runs after 120 s")
        return None
    check(r.returncode == 0, f"{name}: gpbo report: {r.returncode} {r.stderr[-300:]!r}")
    return page if r.returncode == 0 else None


def opened(driver, name, page):
    """The page in the browser: (text of the section of figures, its figures' sizes)."""
    driver.get("file://" + page)
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    check(not errors, f"{name}: console errors: {errors}")
    scripts = driver.execute_script("return document.querySelectorAll('script').length")
    check(scripts == 0, f"{name}: a script on the page: {scripts}")
    return driver.execute_script(
        "const s = [...document.querySelectorAll('section')].find(e =>"
        "  e.querySelector('h2').textContent === 'Figures');"
        "return [s ? (s.querySelector('p') || {}).textContent || '' : null,"
        "  [...document.querySelectorAll('figure svg')].map(v => {"
        "    const b = v.getBoundingClientRect(); return [b.width, b.height,"
        "    v.querySelectorAll('text').length]; }),"
        "  document.documentElement.scrollWidth - window.innerWidth]")


def main():
    d0 = tempfile.mkdtemp(prefix="gpbo-report-edge-")
    driver = browser()
    try:
        pages = {}
        for name in OBJECTIVES:
            d = os.path.join(d0, name)
            os.mkdir(d)
            pages[name] = report(d, name)
        for name, page in pages.items():
            if page is None:
                continue
            text, figs, wider = opened(driver, name, page)
            print(f"{name[:20]}: {len(figs)} figures; {text!r}")
            check(wider <= 0, f"{name[:20]}: the page wider than the window by {wider} px")
            check(all(w >= 200 and h >= 100 and n >= 5 for w, h, n in figs),
                  f"{name}: every figure drawn with its labels: {figs}")
            if name == "ulps":
                check(len(figs) >= 3 and not text, f"{name}: the figures: {len(figs)} {text!r}")
            elif name == "huge":
                check(len(figs) >= 1 and "Gap to the final best" in text and
                      "nothing finite to draw" in text, f"{name}: the page says what is left "
                      f"out: {text!r}")
            elif name == "failing":
                check(not figs and "no trial is complete" in text,
                      f"{name}: the page says why it has no figure: {len(figs)} {text!r}")
    finally:
        driver.quit()
        shutil.rmtree(d0, ignore_errors=True)
    from clitest import FAILS
    print(f"{len(FAILS)} checks failed" if FAILS else "all checks passed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
