"""How many threads the compiled path takes (engine/cores.py) on a given machine."""

import pytest

from unrolled.engine import cores, dispatch


def fake_topology(tmp_path, cores_of_cpus):
    """A /sys/devices/system/cpu tree: cpu i on core ``cores_of_cpus[i]``."""
    for cpu, core in enumerate(cores_of_cpus):
        topo = tmp_path / f"cpu{cpu}" / "topology"
        topo.mkdir(parents=True)
        (topo / "physical_package_id").write_text("0\n")
        (topo / "core_id").write_text(f"{core}\n")
    return tmp_path


def test_hyperthread_siblings_count_once(tmp_path):
    sys_cpu = fake_topology(tmp_path, [0, 1, 0, 1])  # 2 cores, 2 threads each
    assert cores.physical_cores([0, 1, 2, 3], sys_cpu) == 2
    assert cores.physical_cores([0, 2], sys_cpu) == 1  # two siblings of core 0
    assert cores.physical_cores([0, 1], sys_cpu) == 2


def test_unreadable_topology_counts_every_cpu(tmp_path):
    assert cores.physical_cores([0, 1, 2], tmp_path) == 3


@pytest.mark.parametrize(
    "text,quota", [("max 100000\n", None), ("150000 100000\n", 1.5), ("junk", None)]
)
def test_cgroup_cpu_quota(tmp_path, text, quota):
    path = tmp_path / "cpu.max"
    path.write_text(text)
    assert cores.cpu_quota(str(path)) == quota
    assert cores.cpu_quota(str(tmp_path / "absent")) is None


def test_quota_caps_the_thread_count(monkeypatch):
    monkeypatch.delenv("UNROLLED_THREADS", raising=False)
    monkeypatch.setattr(cores, "_rules", cores._rules.__wrapped__)  # no cache
    monkeypatch.setattr(cores, "affinity", lambda: [0, 1, 2, 3])
    monkeypatch.setattr(cores, "physical_cores", lambda cpus: 4)
    monkeypatch.setattr(cores, "cpu_quota", lambda: 1.5)
    assert cores.thread_count() == (2, "cgroup CPU quota 1.5")
    monkeypatch.setattr(cores, "cpu_quota", lambda: None)
    assert cores.thread_count() == (4, "physical cores")
    monkeypatch.setattr(cores, "physical_cores", lambda cpus: 2)
    assert cores.thread_count()[0] == 2
    assert "4 CPUs with hyperthreads" in cores.thread_count()[1]
    monkeypatch.setenv("UNROLLED_THREADS", "3")
    assert cores.thread_count() == (3, "UNROLLED_THREADS")
    assert dispatch.threads() == 3


@pytest.mark.parametrize("bad", ["0", "-1", "two", "1.5"])
def test_bad_thread_count_is_named(monkeypatch, bad):
    monkeypatch.setenv("UNROLLED_THREADS", bad)
    with pytest.raises(ValueError, match="UNROLLED_THREADS"):
        dispatch.threads()


def test_engine_info_says_what_runs(monkeypatch):
    from unrolled.engine.runinfo import engine_info

    monkeypatch.setenv("UNROLLED_THREADS", "3")
    monkeypatch.setattr(dispatch.backend, "mode", "numpy")
    info = engine_info()
    assert info["loop"] == "readable (UNROLLED_KERNELS=numpy)"
    assert (info["threads"], info["threads_rule"]) == (3, "UNROLLED_THREADS")
    assert "threading layer is not used" in info["parallelism"]
    assert isinstance(info["blas"], list) and info["cpu"]
    monkeypatch.setattr(dispatch.backend, "mode", "numba")
    monkeypatch.setattr(dispatch.backend, "flush_subnormals", False)
    info = engine_info()
    assert info["loop"] == "compiled" and info["flush_subnormals"] is False
    monkeypatch.setenv("UNROLLED_THREADS", "many")
    with pytest.raises(ValueError, match="UNROLLED_THREADS"):
        engine_info()


def test_one_thread_while_the_machine_is_busy(monkeypatch):
    """Without /proc/stat: above the CPUs' count (+ margin) the load says:
    busy, one thread takes the chunks; UNROLLED_THREADS always wins."""
    monkeypatch.delenv("UNROLLED_THREADS", raising=False)
    monkeypatch.setattr(cores, "affinity", lambda: [0, 1])
    monkeypatch.setattr(cores, "others_now", lambda: None)
    monkeypatch.setattr(cores.os, "getloadavg", lambda: (3.0, 1.0, 1.0))
    assert cores.threads_now(2) == (1, "busy machine (load 3.0)")
    assert cores.threads_now(1) == (1, "planned")
    monkeypatch.setattr(cores.os, "getloadavg", lambda: (2.4, 1.0, 1.0))
    assert cores.threads_now(2) == (2, "planned")  # our own 2 threads: not busy
    monkeypatch.setenv("UNROLLED_THREADS", "2")
    monkeypatch.setattr(cores.os, "getloadavg", lambda: (9.0, 9.0, 9.0))
    assert cores.threads_now(2) == (2, "planned")


def stat_file(path, ticks: dict) -> str:
    """A /proc/stat with per-CPU lines: ``{cpu: (user, idle)}`` in ticks."""
    lines = ["cpu  1 2 3 4 5 6 7 8 0 0"]
    lines += [f"cpu{c} {u} 0 0 {i} 0 0 0 0 0 0" for c, (u, i) in ticks.items()]
    path.write_text("\n".join([*lines, "intr 1 2 3", "ctxt 9"]) + "\n")
    return str(path)


def test_other_programs_cpu_time_makes_the_machine_busy_at_once(tmp_path, monkeypatch):
    """The CPUs' busy time less this process's own, over the last sample: one
    CPU of two kept busy by another program means one thread, whatever the
    load average says yet."""
    hz = cores.os.sysconf("SC_CLK_TCK")
    monkeypatch.delenv("UNROLLED_THREADS", raising=False)
    monkeypatch.setattr(cores, "affinity", lambda: [0, 1])
    monkeypatch.setattr(cores.os, "getloadavg", lambda: (0.1, 0.1, 0.1))
    monkeypatch.setattr(cores, "_last", {})
    clock, own = [100.0], [5.0]
    monkeypatch.setattr(cores.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(cores.os, "times", lambda: (own[0], 0.0, 0, 0, 0))
    ticks = {0: (0, 0), 1: (0, 0), 2: (0, 0)}  # cpu2 is not ours: never counted
    stat, real = tmp_path / "stat", cores.busy_seconds

    def read(cpus):
        return real(cpus, stat_file(stat, ticks))

    monkeypatch.setattr(cores, "busy_seconds", read)
    ticks.update({0: (hz, 0), 1: (hz, 0), 2: (hz, 0)})
    assert cores.threads_now(2) == (2, "planned")  # the first reading: 0.0
    # one second on: we used 1 CPU (own +1 s); the CPUs were busy 2 s in all
    clock[0], own[0] = 101.0, 6.0
    ticks.update({0: (2 * hz, 0), 1: (2 * hz, 0), 2: (9 * hz, 0)})
    assert cores.threads_now(2) == (1, "busy machine (other programs on 1.0 CPUs)")
    assert cores.threads_now(1) == (1, "planned")
    # within SAMPLE_SECONDS: the last rate, nothing read again
    clock[0] = 101.0 + cores.SAMPLE_SECONDS / 2
    assert cores.others_now() == 1.0
    # the next second the other program stopped: our 2 threads used 2 CPUs
    clock[0], own[0] = 102.0, 8.0
    ticks.update({0: (3 * hz, 0), 1: (3 * hz, 0)})
    assert cores.threads_now(2) == (2, "planned")
    assert cores.others_now() == 0.0
    monkeypatch.setenv("UNROLLED_THREADS", "2")  # the variable always wins
    assert cores.threads_now(2) == (2, "planned")


def test_an_unreadable_proc_stat_leaves_the_load_average_to_decide(tmp_path):
    assert cores.busy_seconds([0], str(tmp_path / "missing")) is None
    assert cores.busy_seconds([7], stat_file(tmp_path / "s", {0: (5, 5)})) is None
