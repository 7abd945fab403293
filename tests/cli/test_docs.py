"""The documentation matches the repository (issue 21): every relative link of README.md and
docs/*.md names a file inside the repository (no ../shared/...), every image it shows exists,
and the main job's running time is stated alike in README.md, the Makefile and the demo's
sweep file ("about N minutes"), make demo ends with `gpbo retrain` as README shows, and CI
(.ci/run) runs the README's test command and the commands README.md writes, and the Makefile
reconfigures a build given other options (CMAKE_ARGS included).

and every flag of a `gpbo CMD` the pages write is one `gpbo CMD --help` lists.

Usage: test_docs.py SOURCE_DIR [PATH/TO/gpbo]
"""
import os
import re
import sys

failures = []


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)


def links(path):
    text = open(path, encoding="utf-8").read()
    # [text](target) and ![alt](target); targets with a scheme or an anchor only are skipped
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue
        yield target.split("#", 1)[0]


def test_links(src):
    pages = [os.path.join(src, "README.md")] + [
        os.path.join(src, "docs", f) for f in sorted(os.listdir(os.path.join(src, "docs")))
        if f.endswith(".md")]
    n = 0
    for page in pages:
        check("../shared" not in open(page, encoding="utf-8").read(),
              f"{os.path.relpath(page, src)} names nothing in ../shared (outside the repository)")
        for target in links(page):
            full = os.path.realpath(os.path.join(os.path.dirname(page), target))
            inside = full.startswith(os.path.realpath(src) + os.sep)
            check(inside and os.path.exists(full),
                  f"{os.path.relpath(page, src)} links {target}: inside the repository, exists")
            n += 1
    check(n > 0, f"{n} relative links checked")


def minutes(path):
    """The N of every "about N minutes" in a file, comment lines joined."""
    text = re.sub(r"\s*\n#\s*", " ", open(path, encoding="utf-8").read())
    return set(re.findall(r"[Aa]bout\s+(\d+) minutes", text))


def test_demo_time(src):
    readme = open(os.path.join(src, "README.md"), encoding="utf-8").read()
    section = readme.split("## The main job", 1)[-1].split("\n## ", 1)[0]
    said = {
        "README.md (The main job)": set(re.findall(r"[Aa]bout\s+(\d+) minutes", section)),
        "Makefile": minutes(os.path.join(src, "Makefile")),
        "examples/fashion-mnist/sweep.yaml":
            minutes(os.path.join(src, "examples", "fashion-mnist", "sweep.yaml")),
    }
    values = set().union(*said.values())
    check(all(len(v) == 1 for v in said.values()) and len(values) == 1,
          f"the main job's time is one figure in all three places: {said}")


def test_demo_retrains(src):
    """make demo ends by showing what tuning bought (gpbo retrain on the demo's study), and the
    README's main-job section says so and shows its table."""
    make = open(os.path.join(src, "Makefile"), encoding="utf-8").read()
    recipe = make.split("\ndemo:", 1)[-1].split("\n\n", 1)[0]
    lines = [l.strip() for l in recipe.split("\n")[1:] if l.startswith("\t")]
    check(len(lines) >= 2 and " run " in lines[-2] and " retrain " in lines[-1] and
          lines[-2].split(" run ")[1].split(" --jobs")[0] == lines[-1].split(" retrain ")[1],
          f"make demo runs the sweep, then retrains on the same study: {lines}")
    readme = open(os.path.join(src, "README.md"), encoding="utf-8").read()
    section = readme.split("## The main job", 1)[-1].split("\n## ", 1)[0]
    check("gpbo retrain" in section and "tuning bought" in section,
          "README's main job shows gpbo retrain's table")


def test_ci_runs_the_readme(src):
    """CI (`bash .ci/run`) runs the README's test command, `make test`, and every command it
    runs is written in README.md as CI runs it (the sanitizer build's BUILD_TYPE=Debug
    included), so that a user who runs what the README says runs what CI checks."""
    ci = open(os.path.join(src, ".ci", "run"), encoding="utf-8").read()
    readme = " ".join(open(os.path.join(src, "README.md"), encoding="utf-8").read().split())
    cmds = [l.strip() for l in ci.split("\n") if l.strip().startswith("make ")]
    check("make test" in cmds, f".ci/run runs the README's test command, make test: {cmds}")
    check("```sh\nmake demo" in open(os.path.join(src, "README.md"), encoding="utf-8").read() and
          "make test   #" in open(os.path.join(src, "README.md"), encoding="utf-8").read(),
          "README's two commands are make demo and make test")
    for c in cmds:
        check(f"`{c}`" in readme or f"`{c}" in readme,
              f"README.md writes .ci/run's command as it runs: {c}")


def test_make_reconfigures(src):
    """The Makefile says it reconfigures when the options change, and README.md passes options
    as CMAKE_ARGS (the clang sanitizer build): a configured build given other CMAKE_ARGS ran no
    cmake and kept its old cache (the docs branch). `make -n` shows what make would run, and
    runs nothing (the deps step included)."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as build:
        def plan(*args):
            env = {k: v for k, v in os.environ.items()  # not the make test this runs under
                   if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "CMAKE_ARGS", "SANITIZE")}
            r = subprocess.run(["make", "-n", "-C", src, "configure", f"BUILD={build}", *args],
                               capture_output=True, text=True, env=env)
            return r.stdout
        stamp = [l.split()[-1] for l in plan().split("\n") if l.startswith("touch ")]
        check(len(stamp) == 1, f"make configure stamps the build: {stamp}")
        if not stamp:
            return
        open(stamp[0], "w").close()  # as if configured with these options
        check("cmake -S" not in plan(), "a configured build with the same options: no cmake")
        check("cmake -S" in plan("CMAKE_ARGS=-DGPBO_BUILD_BENCH=OFF"),
              "other CMAKE_ARGS reconfigure")
        check("cmake -S" in plan("SANITIZE=ON"), "other SANITIZE reconfigures")


def test_commands_written(src, gpbo):
    """Every `gpbo CMD ... --flag` that README.md and docs/*.md write, in code blocks and in
    backticks, names a command `gpbo --help` lists and flags `gpbo CMD --help` lists (for
    `gpbo train`, its trainer settings too), so that a flag renamed or removed in cli/help.c
    fails here until the pages say it the new way (the docs branch)."""
    import subprocess

    helps = {}

    def usage(cmd):
        if cmd not in helps:
            r = subprocess.run([gpbo, cmd, "--help"], capture_output=True, text=True)
            helps[cmd] = r.stdout if r.returncode == 0 else None
        return helps[cmd]

    top = subprocess.run([gpbo, "--help"], capture_output=True, text=True).stdout
    commands = set(re.findall(r"^gpbo ([a-z]+)", top, re.M))
    pages = [os.path.join(src, "README.md")] + [
        os.path.join(src, "docs", f) for f in sorted(os.listdir(os.path.join(src, "docs")))
        if f.endswith(".md")]
    n = 0
    for page in pages:
        text = open(page, encoding="utf-8").read()
        spans = re.findall(r"`([^`\n]+)`", text)
        spans += [l for b in re.findall(r"```sh\n(.*?)```", text, re.S) for l in b.split("\n")]
        for s in spans:
            for m in re.finditer(r"(?:^|[\s/(])gpbo ([a-z]+)\b([^|;#)]*)", s):
                cmd, rest = m.group(1), m.group(2)
                if cmd not in commands:
                    continue  # prose: "gpbo is", "gpbo adopts", ...
                out = usage(cmd)
                for flag in re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", rest):
                    if flag in ("--help", "-h"):
                        continue
                    ok = out is not None and (
                        re.search(r"^\s+" + re.escape(flag) + r"\b", out, re.M) is not None or
                        (cmd == "train" and re.search(r"\b" + re.escape(flag[2:]) + r"\b",
                                                      out.split("trainer settings", 1)[-1])))
                    check(ok, f"{os.path.relpath(page, src)}: gpbo {cmd} takes {flag} ({s[:70]})")
                    n += 1
    check(n > 20, f"{n} flags of written commands checked")


def main():
    src = os.path.abspath(sys.argv[1])
    test_links(src)
    test_demo_time(src)
    test_demo_retrains(src)
    test_ci_runs_the_readme(src)
    test_make_reconfigures(src)
    if len(sys.argv) > 2:
        test_commands_written(src, os.path.abspath(sys.argv[2]))
    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
