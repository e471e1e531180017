"""The embedded default's wake-ups between processes of one data folder (`core.doorbell`): a ring reaches a
listener in another process, a process does not ring itself, a killed listener's entry is dropped by the next
one, and ringing with no one listening is harmless."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from autocrm.core import doorbell
from autocrm.core.settings import reset_settings

ROOT = Path(__file__).resolve().parents[2]
LISTENER = """
import sys, threading
from autocrm.core import doorbell
rung = threading.Event()
stop = doorbell.listen("test", rung.set)
print("listening", flush=True)
print("rung" if rung.wait(20) else "not rung", flush=True)
if sys.argv[1:] == ["--clean"]:
    stop()
"""


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOCRM_DATA_DIR", str(tmp_path / "data"))
    reset_settings()
    yield tmp_path / "data"
    reset_settings()


def _listener(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(  # noqa: S603 (our interpreter)
        [sys.executable, "-c", LISTENER, *args],
        cwd=ROOT,
        env={**os.environ, "AUTOCRM_DATA_DIR": str(data_dir)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "listening"
    return process


def test_a_ring_reaches_a_listener_in_another_process_which_leaves_no_entry(data_dir):
    listener = _listener(data_dir, "--clean")
    doorbell.ring("test")
    assert listener.stdout is not None and listener.stdout.readline().strip() == "rung"
    assert listener.wait(10) == 0
    assert os.listdir(data_dir / "run" / "test") == []


def test_a_process_does_not_ring_its_own_listeners_and_a_dead_ones_entry_goes(data_dir):
    rung = threading.Event()
    stop = doorbell.listen("test", rung.set)
    try:
        doorbell.ring("test")
        assert not rung.wait(0.5)  # its own commits ring it directly, not through the socket
    finally:
        stop()
    killed = _listener(data_dir)
    killed.kill()
    killed.wait()
    assert len(os.listdir(data_dir / "run" / "test")) == 1  # left behind by the SIGKILL
    stop = doorbell.listen("test", rung.set)
    try:
        assert os.listdir(data_dir / "run" / "test") == [f"{os.getpid()}-{_port_of(data_dir)}"]
    finally:
        stop()


def _port_of(data_dir: Path) -> str:
    (entry,) = os.listdir(data_dir / "run" / "test")
    return entry.partition("-")[2]


def test_ringing_with_no_one_listening_does_nothing(data_dir):
    doorbell.ring("nobody")
    assert not (data_dir / "run" / "nobody").exists()
