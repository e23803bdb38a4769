"""The sandbox runs a command isolated and limited; these run plain Python, no TensorFlow."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pytest

from grader.pipeline import sandbox, supervisor, unprivileged
from grader.pipeline.sandbox import Limits, Mounts, probe_isolation, run_sandboxed

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    STRONGEST = probe_isolation()
NAMESPACED = [level for level in ("bwrap", "unshare") if sandbox._level_works(level)]


QUICK = Limits(wall_s=30)


def run_python(
    code: str,
    scratch: Path,
    *,
    level: str = STRONGEST,
    limits: Limits = QUICK,
    hidden=(),
):
    return run_sandboxed(
        [sys.executable, "-S", "-c", code],
        cwd=scratch,
        mounts=Mounts(read_write=(scratch,), hidden=tuple(hidden)),
        limits=limits,
        env={"PATH": "/usr/bin:/bin"},
        isolation=level,
    )


@pytest.fixture
def scratch(tmp_path):
    folder = tmp_path / "scratch"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("level", NAMESPACED)
def test_network_is_unreachable_inside_the_sandbox(scratch, level):
    code = (
        "import socket\n"
        "s = socket.socket(); s.settimeout(3)\n"
        "try:\n    s.connect(('1.1.1.1', 80)); print('CONNECTED')\n"
        "except OSError as e:\n    print('BLOCKED', e)\n"
    )
    result = run_python(code, scratch, level=level)
    assert "BLOCKED" in result.output, result.output


@pytest.mark.parametrize("level", NAMESPACED)
def test_hidden_course_file_cannot_be_read(tmp_path, scratch, level):
    secret = tmp_path / "hidden_signs.h5"
    secret.write_text("SECRET")
    code = (
        f"import pathlib\ntry:\n    print('READ', pathlib.Path({str(secret)!r}).read_text())\n"
        "except OSError:\n    print('NOPE')\n"
    )
    result = run_python(code, scratch, level=level, hidden=[secret])
    assert "SECRET" not in result.output, result.output


def test_hidden_paths_cover_the_course_exchange(tmp_path, monkeypatch):
    (tmp_path / "exchange").mkdir()
    monkeypatch.setattr(supervisor, "REPO_DIR", tmp_path)
    monkeypatch.delenv("COURSE_EXCHANGE", raising=False)
    assert tmp_path / "exchange" in supervisor.hidden_paths()


def test_hidden_paths_cover_the_exchange_course_exchange_names(tmp_path, monkeypatch):
    shared = tmp_path / "shared-exchange"
    shared.mkdir()
    monkeypatch.setenv("COURSE_EXCHANGE", str(shared))
    assert shared in supervisor.hidden_paths()


@pytest.mark.parametrize("level", NAMESPACED)
def test_other_students_submission_in_the_exchange_cannot_be_read(
    tmp_path, scratch, level, monkeypatch
):
    exchange = tmp_path / "exchange"
    inbound = exchange / "resnets-course" / "inbound" / "other+resnets+2026-01-01 00:00:00"
    inbound.mkdir(parents=True)
    (inbound / "Residual_Networks.ipynb").write_text("OTHER STUDENT'S ANSWERS")
    monkeypatch.setenv("COURSE_EXCHANGE", str(exchange))
    code = (
        f"import pathlib\ntry:\n    print('READ', *pathlib.Path({str(inbound)!r}).iterdir(),\n"
        f"          pathlib.Path({str(inbound / 'Residual_Networks.ipynb')!r}).read_text())\n"
        "except OSError:\n    print('NOPE')\n"
    )
    result = run_python(code, scratch, level=level, hidden=supervisor.hidden_paths())
    assert "OTHER STUDENT" not in result.output, result.output


@pytest.mark.parametrize("level", NAMESPACED)
def test_files_outside_the_writable_directories_cannot_be_written(tmp_path, scratch, level):
    target = tmp_path / "grades.csv"
    code = (
        f"try:\n    open({str(target)!r}, 'w').write('100')\nexcept OSError as e:\n    "
        "print('DENIED', e)\n"
    )
    result = run_python(code, scratch, level=level)
    assert not target.exists(), result.output


@pytest.mark.skipif(
    "bwrap" not in NAMESPACED, reason="bubblewrap is not installed or does not work here"
)
def test_bwrap_shows_only_what_is_mounted(tmp_path, scratch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_python(
        f"import os\nprint(os.path.exists({str(elsewhere)!r}))", scratch, level="bwrap"
    )
    assert result.output.strip() == "False"


@pytest.mark.skipif(
    "bwrap" not in NAMESPACED, reason="bubblewrap is not installed or does not work here"
)
def test_bwrap_shared_memory_fills_up_at_its_cap(scratch):
    code = (
        f"try:\n    open('/dev/shm/fill', 'wb').write(bytes({2 * sandbox.SHARED_MEMORY_BYTES}))\n"
        "    print('WROTE')\nexcept OSError as e:\n    print('FULL', e.errno)\n"
    )
    result = run_python(code, scratch, level="bwrap")
    assert "FULL 28" in result.output, result.output


@pytest.mark.skipif(
    "bwrap" not in NAMESPACED, reason="bubblewrap is not installed or does not work here"
)
def test_bwrap_dev_takes_no_files_but_its_devices_work(scratch):
    code = (
        "open('/dev/null', 'w').write('x')\n"
        "try:\n    open('/dev/fill', 'w').write('x')\n    print('WROTE')\n"
        "except OSError as e:\n    print('REFUSED', e.errno)\n"
    )
    result = run_python(code, scratch, level="bwrap")
    assert result.output.strip() == "REFUSED 30", result.output


def test_working_directory_is_the_scratch_directory(scratch):
    result = run_python("import os\nprint(os.getcwd())\nopen('made.txt', 'w').write('x')", scratch)
    assert result.output.strip() == str(scratch)
    assert (scratch / "made.txt").exists()


def test_endless_loop_is_stopped_at_the_wall_time_limit(scratch):
    result = run_python("while True:\n    pass\n", scratch, limits=Limits(wall_s=2))
    assert result.timed_out
    assert result.returncode != 0


def test_output_flood_is_capped_and_drained(scratch):
    code = "import sys\nfor _ in range(20):\n    sys.stdout.write('x' * 2**20)\nprint('END')\n"
    result = run_python(code, scratch, limits=Limits(wall_s=60, output_keep_bytes=4096))
    assert result.returncode == 0
    assert result.output_bytes > 20 * 2**20
    assert len(result.output_head) == 4096 and len(result.output_tail) <= 4096
    assert result.output_tail.rstrip().endswith("END")
    assert result.output_truncated


def test_memory_hog_is_stopped(scratch):
    code = "blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 2**20))\n"
    result = run_python(code, scratch, limits=Limits(wall_s=30, memory_bytes=300 * 2**20))
    assert result.returncode != 0
    assert result.memory_exceeded or "MemoryError" in result.output, result


def test_fork_bomb_is_stopped_and_leaves_no_process(scratch):
    marker = f"forkbomb-{os.getpid()}"
    code = f"import os, time\n# {marker}\nfor _ in range(10):\n    os.fork()\ntime.sleep(60)\n"
    result = run_python(code, scratch, limits=Limits(wall_s=60, max_processes=16))
    assert result.processes_exceeded and result.wall_s < 30
    time.sleep(0.5)
    assert not [pid for pid in os.listdir("/proc") if pid.isdigit() and marker in _cmdline(pid)]


@pytest.mark.parametrize("level", NAMESPACED)
def test_killing_the_parent_does_not_reach_the_caller(scratch, level):
    # The caller is a process of its own, so that the test sees whether it survived.
    caller = (
        "import sys\nfrom pathlib import Path\nfrom grader.pipeline.sandbox import Limits, "
        f"Mounts, run_sandboxed\nscratch = Path({str(scratch)!r})\ncode = 'import os, "
        "signal\\nos.kill(os.getppid(), signal.SIGKILL)\\n'\nrun_sandboxed([sys.executable, "
        "'-S', '-c', code], cwd=scratch, mounts=Mounts(read_write=(scratch,)),\n              "
        f"limits=Limits(wall_s=30), env={{}}, isolation={level!r})\nprint('caller survived')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", caller], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and "caller survived" in done.stdout, done.stderr[-2000:]


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().decode(errors="replace")
    except OSError:
        return ""


def test_watch_callback_stops_the_command(scratch):
    result = run_sandboxed(
        [sys.executable, "-S", "-c", "import time\ntime.sleep(60)"],
        cwd=scratch,
        mounts=Mounts(read_write=(scratch,)),
        limits=Limits(wall_s=30),
        env={},
        isolation=STRONGEST,
        watch=lambda: True,
    )
    assert result.timed_out and result.wall_s < 20


def test_unknown_forced_isolation_is_refused(monkeypatch):
    monkeypatch.setenv(sandbox.ISOLATION_ENV, "chroot")
    with pytest.raises(sandbox.IsolationError, match="expected one of bwrap, unshare, none"):
        probe_isolation()


def test_fallback_to_no_isolation_warns_loudly(monkeypatch):
    monkeypatch.delenv(sandbox.ISOLATION_ENV, raising=False)
    monkeypatch.setenv(unprivileged.ALLOW_ROOT_ENV, "1")
    monkeypatch.setattr(sandbox, "_level_works", lambda level: level == "none")
    with pytest.warns(RuntimeWarning, match="NOT isolated"):
        assert probe_isolation() == "none"


@pytest.mark.parametrize("level", NAMESPACED)
def test_scratch_folder_fills_up_at_its_cap(tmp_path, level):
    scratch = tmp_path / "capped"
    scratch.mkdir()
    code = (
        "try:\n    open('fill', 'wb').write(bytes(8 * 2**20))\n    print('WROTE')\n"
        "except OSError as e:\n    print('FULL', e.errno)\n"
    )
    result = run_sandboxed(
        [sys.executable, "-S", "-c", code],
        cwd=scratch,
        mounts=Mounts(scratch=((scratch, 4 * 2**20),)),
        limits=QUICK,
        env={},
        isolation=level,
    )
    assert "FULL 28" in result.output, result.output


def test_scratch_folder_starts_empty_and_leaves_nothing_on_disk(tmp_path):
    level = NAMESPACED[0] if NAMESPACED else pytest.skip("no namespaces here")
    scratch = tmp_path / "capped"
    scratch.mkdir()
    (scratch / "left.txt").write_text("from before")
    result = run_sandboxed(
        [sys.executable, "-S", "-c", "import os\nprint(os.listdir('.'))\nopen('new', 'w')"],
        cwd=scratch,
        mounts=Mounts(scratch=((scratch, 2**20),)),
        limits=QUICK,
        env={},
        isolation=level,
    )
    assert result.output.strip() == "[]"
    assert sorted(p.name for p in scratch.iterdir()) == ["left.txt"]


def test_peak_memory_of_the_process_tree_is_recorded(scratch):
    code = "import time\nblock = b'x' * (300 * 2**20)\ntime.sleep(1.5)\n"
    result = run_python(code, scratch)
    assert result.peak_memory_bytes > 250 * 2**20, result.peak_memory_bytes


# A caller that starts a sandboxed sleep, marked so that it can be found, and waits for it.
_CALLER = """
import sys
from pathlib import Path
from grader.pipeline.sandbox import Limits, Mounts, run_sandboxed
scratch = Path(sys.argv[1])
run_sandboxed(["/bin/sleep", sys.argv[2]], cwd=scratch, mounts=Mounts(read_write=(scratch,)),
              limits=Limits(wall_s=120), env={}, isolation=sys.argv[3])
"""


@pytest.mark.parametrize("level", [*NAMESPACED, "none"])
def test_sandboxed_command_dies_with_the_process_that_started_it(open_tmp, level):
    scratch = open_tmp / "scratch"
    scratch.mkdir()
    marker = f"{600 + os.getpid() % 97}.{time.time_ns() % 10**6}"
    caller = subprocess.Popen([sys.executable, "-c", _CALLER, str(scratch), marker, level])
    deadline = time.monotonic() + 60
    while not _sleepers(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _sleepers(marker), "the sandboxed command never started"
    caller.kill()
    caller.wait()
    deadline = time.monotonic() + 10
    while _sleepers(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _sleepers(marker) == []


def _sleepers(marker: str) -> list[str]:
    return [
        pid
        for pid in os.listdir("/proc")
        if pid.isdigit() and _cmdline(pid).split("\0")[:2] == ["/bin/sleep", marker]
    ]


root_only = pytest.mark.skipif(os.geteuid() != 0, reason="the grader gives up root only as root")


@pytest.fixture
def open_tmp():
    """A temporary folder every user may enter (pytest's own are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="sandbox-test-"))
    folder.chmod(0o711)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@root_only
def test_level_none_as_root_runs_the_command_as_nobody(open_tmp, monkeypatch):
    monkeypatch.delenv(unprivileged.ALLOW_ROOT_ENV, raising=False)
    scratch = open_tmp / "scratch"
    scratch.mkdir()
    result = run_sandboxed(
        ["/usr/bin/id", "-u"],
        cwd=scratch,
        mounts=Mounts(read_write=(scratch,)),
        env={},
        isolation="none",
    )
    assert result.output.strip() == str(unprivileged.SANDBOX_UID)


@root_only
def test_level_none_as_root_cannot_read_roots_files_but_writes_its_scratch(open_tmp, monkeypatch):
    monkeypatch.delenv(unprivileged.ALLOW_ROOT_ENV, raising=False)
    secret = open_tmp / "gradebook.db"
    secret.write_text("SECRET")
    secret.chmod(0o600)
    scratch = open_tmp / "scratch"
    scratch.mkdir()
    code = (
        f"open('made.txt', 'w').write('x')\ntry:\n    print(open({str(secret)!r}).read())\n"
        "except OSError as e:\n    print('DENIED', e.errno)\n"
    )
    result = run_sandboxed(
        ["/usr/bin/python3", "-S", "-c", code],
        cwd=scratch,
        mounts=Mounts(read_write=(scratch,)),
        env={},
        isolation="none",
    )
    assert result.output.strip() == "DENIED 13" and (scratch / "made.txt").exists(), result.output


@root_only
def test_level_none_as_root_names_the_folder_nobody_cannot_enter(open_tmp, monkeypatch):
    monkeypatch.delenv(unprivileged.ALLOW_ROOT_ENV, raising=False)
    private = open_tmp / "private"
    scratch = private / "scratch"
    scratch.mkdir(parents=True)
    private.chmod(0o700)
    with pytest.raises(sandbox.IsolationError, match=f"cannot reach {private}"):
        run_sandboxed(
            ["/usr/bin/id"],
            cwd=scratch,
            mounts=Mounts(read_write=(scratch,)),
            env={},
            isolation="none",
        )


@root_only
def test_level_none_as_root_is_refused_when_nobody_cannot_run_python(open_tmp, monkeypatch):
    monkeypatch.delenv(unprivileged.ALLOW_ROOT_ENV, raising=False)
    private = open_tmp / "private"
    private.mkdir(mode=0o700)
    python = private / "python3"
    python.symlink_to("/usr/bin/python3")
    assert f"nobody cannot reach {private}" in unprivileged.refusal(python)


@root_only
def test_running_student_code_as_root_can_be_accepted_explicitly(tmp_path, monkeypatch):
    monkeypatch.setenv(unprivileged.ALLOW_ROOT_ENV, "1")
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    assert unprivileged.refusal(private / "python3") == ""
