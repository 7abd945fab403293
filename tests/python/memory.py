"""memory.py: what the Python tests' leak checks read (imported by them; pytest puts this
folder on sys.path)."""


def rss_kib():
    """The process's resident set size in KiB, from /proc/self/status."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")
