#!/usr/bin/python3
"""perf_split.py: where the CPU of a bench/workers run goes, by process and by call chain.

    perf record -a -g -o run.data -- <a run of gpbo workers>
    perf script -i run.data -F comm,pid,ip,sym > run.txt
    /usr/bin/python3 bench/workers/perf_split.py run.txt [gpbo,obj,postgres]

Prints each process name's share of all samples, then for each of the named processes the
share of its samples whose call chain holds each frame of FRAMES (inclusive: one sample counts
for every listed frame on its chain, so the shares of one process do not add up to 100 %).
perf's cpu-clock event (no hardware counters in a VM) samples every CPU at a fixed rate, so a
share of samples is a share of CPU time.
"""
import collections
import sys

# Frames that tell the parts of a null trial apart: the start of a process (the dynamic
# loader), a trial's process (vfork, exec, page faults, exit), files, the database client and
# server (statements, commits, locks, a backend's start).
FRAMES = [
    "dl_main", "_dl_relocate_object", "asm_exc_page_fault", "__x64_sys_execve",
    "__x64_sys_vfork", "__x64_sys_exit_group", "__x64_sys_munmap", "__x64_sys_mprotect",
    "__x64_sys_mkdir", "__x64_sys_openat", "__x64_sys_getdents64", "__x64_sys_poll",
    "__x64_sys_sched_yield", "__x64_sys_fcntl", "__x64_sys_clock_nanosleep",
    "__x64_sys_sendto", "__x64_sys_recvfrom", "__x64_sys_fdatasync", "__x64_sys_pwrite64",
    "pg_load", "PQgetResult", "sqlite3_step", "PortalRun", "CommitTransactionCommand",
    "XLogFlush", "InitPostgres", "LockAcquireExtended", "ProcSleep", "pq_getbyte",
    "schedule",
]


def samples(path):
    """Yields (process name, set of frame names) per sample of `perf script` output."""
    comm, stack = None, set()
    with open(path, errors="replace") as f:
        for line in f:
            if not line.strip():
                if comm is not None:
                    yield comm, stack
                comm, stack = None, set()
            elif not line[0].isspace():
                comm = line.split()[0]
            else:
                parts = line.split()
                if len(parts) > 1:
                    stack.add(parts[1].split("+")[0])
    if comm is not None:
        yield comm, stack


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    names = sys.argv[2].split(",") if len(sys.argv) > 2 else ["gpbo", "obj", "postgres"]
    total = collections.Counter()
    frames = {n: collections.Counter() for n in names}
    for comm, stack in samples(sys.argv[1]):
        total[comm] += 1
        if comm in frames:
            for fr in FRAMES:
                if fr in stack:
                    frames[comm][fr] += 1
    n = sum(total.values())
    print("samples: %d" % n)
    for comm, c in total.most_common(12):
        print("  %-16s %6d  %5.1f %%" % (comm, c, 100.0 * c / n))
    for comm in names:
        if total[comm] == 0:
            continue
        print("%s: %d samples" % (comm, total[comm]))
        for fr, c in frames[comm].most_common():
            print("  %-30s %5.1f %%" % (fr, 100.0 * c / total[comm]))


if __name__ == "__main__":
    main()
