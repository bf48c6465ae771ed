"""Atomic writes: a failure or a kill during a save leaves the old file intact."""

import os
import signal
import stat
import subprocess
import sys
import textwrap

import pytest

from unrolled.storage.atomic import (
    atomic_path,
    atomic_write_bytes,
    atomic_write_many,
    atomic_write_text,
)


def leftovers(folder):
    """Hidden temporary files left in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_write_text_and_bytes_replace_the_content(tmp_path):
    f = tmp_path / "a.json"
    atomic_write_text(f, "old")
    atomic_write_bytes(f, b"new")
    assert f.read_bytes() == b"new"
    assert leftovers(tmp_path) == []


def test_an_exception_after_a_partial_write_keeps_the_old_file(tmp_path):
    f = tmp_path / "model.bin"
    f.write_bytes(b"good model")
    with pytest.raises(RuntimeError, match="disk full"), atomic_path(f) as tmp:
        tmp.write_bytes(b"half-writ")
        raise RuntimeError("disk full")
    assert f.read_bytes() == b"good model"
    assert leftovers(tmp_path) == []


def test_keyboard_interrupt_inside_the_block_keeps_the_old_file(tmp_path):
    f = tmp_path / "plot.png"
    f.write_bytes(b"old plot")
    with pytest.raises(KeyboardInterrupt), atomic_path(f) as tmp:
        tmp.write_bytes(b"partial")
        raise KeyboardInterrupt
    assert f.read_bytes() == b"old plot"
    assert leftovers(tmp_path) == []


def test_temp_file_keeps_the_suffix_and_lives_beside_the_target(tmp_path):
    with atomic_path(tmp_path / "plot.png") as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".png"
        assert tmp.name.startswith(".plot.png.")
        tmp.write_bytes(b"png")
    assert (tmp_path / "plot.png").read_bytes() == b"png"


def test_missing_folder_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        atomic_write_text(tmp_path / "nope" / "a.txt", "x")


def test_new_files_get_umask_permissions_and_old_files_keep_theirs(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    f = tmp_path / "new.txt"
    atomic_write_text(f, "x")
    assert stat.S_IMODE(f.stat().st_mode) == 0o666 & ~umask
    os.chmod(f, 0o640)
    atomic_write_text(f, "y")
    assert stat.S_IMODE(f.stat().st_mode) == 0o640


def test_write_many_changes_nothing_when_one_file_fails(tmp_path):
    a = tmp_path / "a"
    a.write_bytes(b"old a")
    with pytest.raises(FileNotFoundError):
        atomic_write_many({a: b"new a", tmp_path / "missing" / "b": b"new b"})
    assert a.read_bytes() == b"old a"
    assert leftovers(tmp_path) == []
    atomic_write_many({a: b"new a", tmp_path / "b": b"new b"})
    assert a.read_bytes() == b"new a" and (tmp_path / "b").read_bytes() == b"new b"


CHILD = textwrap.dedent(
    """
    import sys, time
    from unrolled.storage.atomic import atomic_path
    with atomic_path(sys.argv[1]) as tmp:
        with open(tmp, "wb") as f:
            f.write(b"x" * 100_000)
            f.flush()
            print("ready", flush=True)
            time.sleep(60)
            f.write(b"y" * 100_000)
    """
)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_a_process_killed_mid_write_leaves_the_old_file_intact(tmp_path, sig):
    f = tmp_path / "weights.safetensors"
    f.write_bytes(b"the good old weights")
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(f)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert child.stdout.readline().strip() == b"ready"
        child.send_signal(sig)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode != 0
    assert f.read_bytes() == b"the good old weights"
    if sig == signal.SIGINT:  # KeyboardInterrupt: the temporary file is cleaned up
        assert b"KeyboardInterrupt" in child.stderr.read()
        assert leftovers(tmp_path) == []
