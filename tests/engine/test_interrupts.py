"""A Ctrl-C swallowed where it cannot pass (a ctypes callback) still stops the run."""

import ctypes
import signal
import sys
import threading

import pytest

from unrolled.engine.interrupts import sticky_interrupt


def swallowed_sigint():
    # a Ctrl-C inside a ctypes callback, as in llvmlite's during a Numba
    # compile: the handler runs, the exception cannot cross the C frames
    callback = ctypes.CFUNCTYPE(None)(lambda: signal.raise_signal(signal.SIGINT))
    callback()
    return "went on"


def test_a_sigint_in_a_ctypes_callback_is_raised_after_the_block(capfd):
    done = []
    with pytest.raises(KeyboardInterrupt):
        with sticky_interrupt():
            done.append(swallowed_sigint())
    assert done == ["went on"]  # the block ran to its end first
    assert capfd.readouterr().err == ""  # no "Exception ignored" traceback
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_without_the_guard_the_callback_swallows_it(monkeypatch):
    # what the guard is for: the interrupt is lost, the code goes on
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", lambda info: seen.append(info))
    assert swallowed_sigint() == "went on"
    assert [type(i.exc_value) for i in seen] == [KeyboardInterrupt]


def test_other_unraisable_errors_still_reach_the_hook(monkeypatch):
    seen = []

    def mine(info):
        seen.append(info)

    monkeypatch.setattr(sys, "unraisablehook", mine)

    def fails():
        raise ValueError("boom")

    with sticky_interrupt():
        ctypes.CFUNCTYPE(None)(fails)()
    assert [type(i.exc_value) for i in seen] == [ValueError]
    assert sys.unraisablehook is mine  # put back


def test_without_a_sigint_nothing_is_raised_and_the_handler_is_back():
    with sticky_interrupt():
        x = 1 + 1
    assert x == 2
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_sigint_that_gets_out_is_raised_once_at_once():
    reached = []
    with pytest.raises(KeyboardInterrupt):
        with sticky_interrupt():
            signal.raise_signal(signal.SIGINT)
            reached.append(True)
    assert reached == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_an_ignored_sigint_stays_ignored():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with sticky_interrupt():
            signal.raise_signal(signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_outside_the_main_thread_it_changes_nothing():
    seen = []

    def work():
        with sticky_interrupt():
            seen.append(signal.getsignal(signal.SIGINT))

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert seen == [signal.default_int_handler]


def test_an_error_that_a_swallowed_sigint_caused_becomes_the_interrupt():
    # the callback's failure breaks the compile: llvmlite then raises its own
    with pytest.raises(KeyboardInterrupt):
        with sticky_interrupt():
            swallowed_sigint()
            raise RuntimeError("no compiled object yet")


def test_an_error_without_a_sigint_is_left_as_it_is():
    with pytest.raises(RuntimeError, match="no compiled object yet"):
        with sticky_interrupt():
            raise RuntimeError("no compiled object yet")
