#!/usr/bin/python3
"""Memory of a set of processes with the flow memory they share counted
once (tests/scale/test_flows_memory.sh).

    flowmem.py PID...

Prints one line of key=value pairs, sizes in KiB:

    procs=N pss=KIB pss_shmem=KIB memfds=M memfd=KIB total=KIB

pss is the sum of Pss over the processes (/proc/PID/smaps_rollup);
pss_shmem the part of it in shared memory (Pss_Shmem). Flow memory is
memfds, mapped by the processes that serve a flow half, and held open by
the IRMd: PSS splits a mapped page among its mappers, but misses the
pages of a memfd nobody maps. So flow memory is counted from the memfds
themselves: every memfd (or /dev/shm file) that any of the processes
holds open (/proc/PID/fd) or maps (/proc/PID/map_files, root only),
told apart by device and inode so that each is counted once, at its
allocated size (st_blocks: the pages the kernel holds for it, touched
ones only). Then

    total = pss - pss_shmem + memfd

counts every private page (split among sharers, e.g. libraries) and
every flow page exactly once. A process that vanishes meanwhile is left
out (and counted in procs as missing=).
"""
import os
import sys

SHM_PREFIXES = ("/memfd:", "/dev/shm/")


def rollup(pid):
    """(Pss, Pss_Shmem) of pid in KiB."""
    pss = shmem = 0
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key == "Pss":
                pss = int(rest.split()[0])
            elif key == "Pss_Shmem":
                shmem = int(rest.split()[0])
    return pss, shmem


def shm_objects(pid, seen):
    """Add every shared-memory object pid holds or maps to seen:
    (dev, ino) -> allocated KiB."""
    for sub in ("fd", "map_files"):
        base = "/proc/%d/%s" % (pid, sub)
        try:
            names = os.listdir(base)
        except OSError:
            continue
        for n in names:
            path = os.path.join(base, n)
            try:
                target = os.readlink(path)
                if not target.startswith(SHM_PREFIXES):
                    continue
                st = os.stat(path)
            except OSError:
                continue  # closed or unmapped meanwhile
            seen[(st.st_dev, st.st_ino)] = st.st_blocks * 512 // 1024


def main(argv):
    pids = sorted({int(a) for a in argv[1:]})
    if not pids:
        print("usage: flowmem.py PID...", file=sys.stderr)
        return 2
    pss = shmem = done = 0
    seen = {}
    for pid in pids:
        try:
            p, s = rollup(pid)
        except OSError:
            continue
        pss += p
        shmem += s
        done += 1
        shm_objects(pid, seen)
    memfd = sum(seen.values())
    print("procs=%d missing=%d pss=%d pss_shmem=%d memfds=%d memfd=%d "
          "total=%d" % (done, len(pids) - done, pss, shmem, len(seen),
                        memfd, pss - shmem + memfd))
    return 0 if done else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
