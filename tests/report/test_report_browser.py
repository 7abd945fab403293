"""Opens a gpbo report in headless Chromium (Debian's chromium + chromedriver, via Selenium)
and checks what a person would see: the page loads with no console error, nothing was fetched
from the network, the table shows markup as text, and every figure renders (its screenshot is
not blank: enough non-white pixels in more than one color).

Usage: test_report_browser.py REPORT.html [EXPECTED_FIGURES]
"""
import io
import os
import sys
import tempfile

from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By


def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,1000"):
        opts.add_argument(flag)
    opts.add_argument("--user-data-dir=" + tempfile.mkdtemp(prefix="gpbo-chromium-"))
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def main():
    path = os.path.abspath(sys.argv[1])
    expected = int(sys.argv[2]) if len(sys.argv) > 2 else None
    failures = []
    driver = browser()
    try:
        driver.get("file://" + path)
        state = driver.execute_script("return document.readyState")
        if state != "complete":
            failures.append("page did not finish loading: " + state)
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        for e in errors:
            failures.append("console error: " + e.get("message", ""))
        fetched = driver.execute_script(
            "return performance.getEntriesByType('resource').map(r => r.name)")
        if fetched:
            failures.append("the page fetched resources: %s" % fetched)
        if driver.execute_script("return document.querySelectorAll('script').length"):
            failures.append("the page has a <script> element (text was not escaped?)")
        figures = driver.find_elements(By.CSS_SELECTOR, "figure.fig")
        if expected is not None and len(figures) != expected:
            failures.append("expected %d figures, found %d" % (expected, len(figures)))
        if not figures:
            failures.append("no figure on the page")
        for i, fig in enumerate(figures):
            driver.execute_script("arguments[0].scrollIntoView()", fig)
            svg = fig.find_elements(By.TAG_NAME, "svg")
            if not svg:
                failures.append("figure %d has no svg" % i)
                continue
            rect = svg[0].rect
            if rect["width"] < 200 or rect["height"] < 100:
                failures.append("figure %d is too small: %s" % (i, rect))
                continue
            img = Image.open(io.BytesIO(svg[0].screenshot_as_png)).convert("RGB")
            pixels = list(img.getdata())
            ink = [p for p in pixels if sum(p) < 3 * 235]
            colors = {(r // 32, g // 32, b // 32) for r, g, b in ink}
            share = len(ink) / max(1, len(pixels))
            print("figure %d: %dx%d, %.1f%% ink, %d colors" %
                  (i, img.width, img.height, 100 * share, len(colors)))
            if share < 0.01 or len(colors) < 2:
                failures.append("figure %d looks blank (%.2f%% ink, %d colors)" %
                                (i, 100 * share, len(colors)))
    finally:
        driver.quit()
    for f in failures:
        print("FAIL:", f)
    print("%d passed, %d failed" % (1 if not failures else 0, 1 if failures else 0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
