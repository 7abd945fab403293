"""memory.py: what the Python tests' leak checks share (imported by them; pytest puts this
folder on sys.path)."""


def rss_kib():
    """The process's resident set size in KiB, from /proc/self/status."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def assert_rss_flat(cycles, warm, more, what, bound_kib=4096):
    """Runs cycles(warm) (caches, allocator arenas and the interpreter's pools settle), reads
    RSS, runs cycles(more) and fails when RSS grew by bound_kib or more: a leak of a few hundred
    bytes a cycle shows over thousands of them. `what` names a cycle in the message
    ("studies")."""
    cycles(warm)
    before = rss_kib()
    cycles(more)
    grown = rss_kib() - before
    assert grown < bound_kib, "RSS grew by %d KiB over %d %s (bound %d KiB)" % (
        grown, more, what, bound_kib)
