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
from functools import lru_cache
from pathlib import Path

from ..errors import InputError

THREADS_ENV = "UNROLLED_THREADS"
#: load average above the usable CPUs by more than this: the machine is busy
BUSY_MARGIN = 0.5
_SYS_CPU = Path("/sys/devices/system/cpu")


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

    Busy: the 1-minute load average exceeds the CPUs this process may use by
    more than ``BUSY_MARGIN`` (this process's own threads count in the load,
    so a quiet machine running it stays below). A helper thread on a busy
    machine shares its core with another program: the chunk it holds comes
    in late, and the call waits for it (measured on 2 cores at load 8: 2
    threads 20-35% slower than 1). The rows' split into chunks does not
    change (it follows ``planned``), so neither do the numbers: only which
    thread runs which chunk. ``UNROLLED_THREADS`` set: ``planned``, always.
    """
    if planned <= 1 or from_env() is not None:
        return planned, "planned"
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not on Unix
        return planned, "planned"
    if load > len(affinity()) + BUSY_MARGIN:
        return 1, f"busy machine (load {load:.1f})"
    return planned, "planned"
