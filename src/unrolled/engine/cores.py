"""How many threads the compiled path may use: rules that hold on shared machines.

The kernels are compute-bound loops over a chunk of rows; two of them on
the two hyperthreads of one core share that core's arithmetic units, and
more threads than a container's CPU quota only queue for it. So the count is
the smallest of: the cores this process may run on (its affinity), counted
as physical cores (hyperthread siblings once), and the container's CPU quota
(cgroup ``cpu.max``), rounded up. ``UNROLLED_THREADS`` overrides all three.
"""

from __future__ import annotations

import math
import os
import time
from functools import lru_cache
from pathlib import Path

from ..errors import InputError

THREADS_ENV = "UNROLLED_THREADS"
#: CPUs kept busy by others (or load average) above what is free by more
#: than this: the machine is busy
BUSY_MARGIN = 0.5
#: the shortest time over which the other programs' CPU use is measured
SAMPLE_SECONDS = 0.25
_SYS_CPU = Path("/sys/devices/system/cpu")
_PROC_STAT = "/proc/stat"


def affinity() -> list[int]:
    """The CPUs this process may run on."""
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return list(range(os.cpu_count() or 1))


def physical_cores(cpus: list[int], sys_cpu: Path = _SYS_CPU) -> int:
    """Distinct cores among ``cpus`` (hyperthread siblings counted once).

    Where the topology is not readable, every CPU counts as a core.
    """
    cores = set()
    for cpu in cpus:
        topo = sys_cpu / f"cpu{cpu}" / "topology"
        try:
            package = (topo / "physical_package_id").read_text().strip()
            core = (topo / "core_id").read_text().strip()
        except OSError:
            return len(cpus)
        cores.add((package, core))
    return max(len(cores), 1)


def cpu_quota(path: str = "/sys/fs/cgroup/cpu.max") -> float | None:
    """CPUs' worth of time the container may use (cgroup v2), or None: no limit."""
    try:
        quota, period = Path(path).read_text().split()[:2]
    except (OSError, ValueError):
        return None
    if quota == "max":
        return None
    try:
        return max(int(quota) / int(period), 0.0)
    except (ValueError, ZeroDivisionError):
        return None


def from_env() -> int | None:
    """``UNROLLED_THREADS`` as a positive integer, None when unset or empty.

    Raises
    ------
    ValueError
        Naming the variable, if it is set to anything else.
    """
    env = os.environ.get(THREADS_ENV, "").strip()
    if not env:
        return None
    if not env.isdigit() or int(env) < 1:
        raise InputError(f"{THREADS_ENV}: expected a positive integer, got {env!r}")
    return int(env)


def thread_count() -> tuple[int, str]:
    """(threads, why): ``UNROLLED_THREADS``, else the rules above.

    The machine's side is read once per affinity set (every training step
    asks; reading ``/sys`` each time would cost a millisecond).
    """
    env = from_env()
    if env is not None:
        return env, THREADS_ENV
    return _rules(tuple(affinity()))


@lru_cache(maxsize=8)
def _rules(cpus: tuple) -> tuple[int, str]:
    """:func:`thread_count` without ``UNROLLED_THREADS``, for these CPUs."""
    cpus = list(cpus)
    n, why = physical_cores(cpus), "physical cores"
    if n < len(cpus):
        why = f"physical cores ({len(cpus)} CPUs with hyperthreads)"
    quota = cpu_quota()
    if quota is not None and math.ceil(quota) < n:
        n, why = max(math.ceil(quota), 1), f"cgroup CPU quota {quota:g}"
    return n, why


def threads_now(planned: int) -> tuple[int, str]:
    """(threads, why) for the call starting now: ``planned``, or 1 while the
    machine is busy.

    Busy: other programs keep more of the CPUs this process may use busy
    than ``planned`` threads leave free, by more than ``BUSY_MARGIN``
    (:func:`others_now`: the CPUs' busy time in ``/proc/stat`` less this
    process's own, over the last :data:`SAMPLE_SECONDS` or more). Where that
    cannot be read, the 1-minute load average exceeding the CPUs by more than
    the margin (this process's own threads count in the load, so a quiet
    machine running it stays below); the load average lags a program that
    has just started by most of a minute, the sample does not. A helper
    thread on a busy machine shares its core with another program: the
    chunk it holds comes in late, and the call waits for it (measured on 2
    cores beside one spinning process: 2 threads 20-50% slower than 1). The
    rows' split into chunks does not change (it follows ``planned``), so
    neither do the numbers: only which thread runs which chunk.
    ``UNROLLED_THREADS`` set: ``planned``, always.
    """
    if planned <= 1 or from_env() is not None:
        return planned, "planned"
    cpus = len(affinity())
    others = others_now()
    if others is not None:
        if others > cpus - planned + BUSY_MARGIN:
            return 1, f"busy machine (other programs on {others:.1f} CPUs)"
        return planned, "planned"
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not on Unix
        return planned, "planned"
    if load > cpus + BUSY_MARGIN:
        return 1, f"busy machine (load {load:.1f})"
    return planned, "planned"


_last: dict = {}  # the previous reading and the rate it gave


def others_now() -> float | None:
    """CPUs kept busy by other programs, on average since the previous
    reading (read again once :data:`SAMPLE_SECONDS` have passed; until then
    the last rate); 0.0 at the first reading, None without ``/proc/stat``.
    """
    now = time.monotonic()
    if _last and now - _last["at"] < SAMPLE_SECONDS:
        return _last["rate"]
    busy = busy_seconds(affinity())
    if busy is None:
        return None
    own = sum(os.times()[:2])  # this process's user + system time, all threads
    rate = 0.0
    if _last:
        elapsed = now - _last["at"]
        rate = max(0.0, ((busy - _last["busy"]) - (own - _last["own"])) / elapsed)
    _last.update(at=now, busy=busy, own=own, rate=rate)
    return rate


def busy_seconds(cpus: list[int], path: str = _PROC_STAT) -> float | None:
    """Seconds the CPUs ``cpus`` have spent not idle since boot (``/proc/stat``:
    every field but idle and iowait, steal included); None where unreadable."""
    wanted, total = {f"cpu{c}" for c in cpus}, 0
    try:
        with open(path) as f:
            for line in f:
                name, *fields = line.split()
                if name in wanted:
                    ticks = [int(x) for x in fields[:8]]
                    total += sum(ticks) - ticks[3] - ticks[4]
    except (OSError, ValueError, IndexError):
        return None
    return total / os.sysconf("SC_CLK_TCK") if total else None
