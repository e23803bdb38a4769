"""Runs one command in a subprocess with limits, inside the strongest isolation the OS offers.

Isolation levels, strongest first (probed at run time, or forced with ``GRADER_ISOLATION``):

* ``bwrap``: bubblewrap. New user, pid, net, ipc and uts namespaces; a file system made only of the
  system libraries, the Python installation, the packages the producer imports, the scratch and
  artifact directories (read-write) and what the caller mounts read-only. Nothing else exists:
  the course's solutions, hidden checks, hidden data and gradebook are simply not there.
* ``unshare``: util-linux ``unshare``. New user, pid, net and mount namespaces; the file system is
  remounted read-only except the writable directories, and the paths in ``hidden`` are covered with
  empty mounts. Everything else stays readable (other submissions' scratch directories included).
* ``none``: a plain subprocess with resource limits only. Network and the file system are open;
  :func:`probe_isolation` warns loudly when it falls back to this. A grader running as root hands
  the process to the user ``nobody`` (see :mod:`grader.pipeline.unprivileged`), or refuses the
  level.

Scratch folders (``Mounts.scratch``) are empty, size-capped file systems in memory at the ``bwrap``
and ``unshare`` levels, so that filling them stops at their cap; at level ``none`` they are ordinary
folders, capped only by ``RLIMIT_FSIZE`` per file and by the caller's own watcher.

Limits applied at every level: wall time, memory (``RLIMIT_DATA`` plus a watcher on the proportional
set size of the whole process tree; ``RLIMIT_AS`` is useless with TensorFlow, which reserves huge
address ranges), the largest file the process may write (``RLIMIT_FSIZE``), no core dumps, and
captured output (stdout and stderr merged, read through a pipe; only the first and last bytes are
kept, so a flood never fills memory or disk). The process is killed when the process that started
it dies (``PR_SET_PDEATHSIG``), so that a grader killed with ``kill -9`` leaves no sandbox running.
"""

from __future__ import annotations

import collections
import ctypes
import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import psutil

from grader.pipeline import unprivileged
from grader.pipeline.errors import IsolationError

ISOLATION_ENV = "GRADER_ISOLATION"
LEVELS = ("bwrap", "unshare", "none")

DESCRIPTIONS = {
    "bwrap": "bwrap: new user, pid, net, ipc and uts namespaces (no network); file system "
    "limited to the Python installation (read-only), the scratch and artifact "
    "directories, and the saved model (read-only)",
    "unshare": "unshare: new user, pid, net and mount namespaces (no network); hidden course "
    "paths covered with empty mounts, the file system read-only except the scratch "
    "and artifact directories",
    "none": "NONE: plain subprocess with resource limits only (as the user nobody when the grader "
    "runs as root); the network and the file system are open to the submission (install "
    "bubblewrap or allow user namespaces for real isolation)",
}

# Files from /etc that the dynamic loader and Python need; nothing else from /etc is shown.
_ETC_FILES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "passwd",
    "group",
    "nsswitch.conf",
    "fonts",
)
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32")
#: What the sandbox's /dev/shm may hold at the bwrap level.
SHARED_MEMORY_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Limits:
    """Resource limits for one sandboxed run.

    Attributes:
        wall_s: wall-clock seconds before the whole process tree is killed.
        memory_bytes: resident memory of the process tree (and data segment of each process)
            allowed.
        file_bytes: the largest file any process may write.
        output_keep_bytes: how much of the start and of the end of the output is kept.
        max_processes: processes the tree may hold at once (threads not counted); more is a fork
            bomb.
    """

    wall_s: float = 180.0
    memory_bytes: int = 4 * 2**30
    file_bytes: int = 1 * 2**30
    output_keep_bytes: int = 32 * 2**10
    max_processes: int = 64


@dataclass
class SandboxResult:
    """How a sandboxed command ended.

    Attributes:
        returncode: exit status; negative when killed by a signal.
        timed_out: the wall-time limit killed it.
        memory_exceeded: the memory watcher killed it.
        processes_exceeded: the watcher killed it for holding more than ``Limits.max_processes``
            processes.
        wall_s: seconds it ran.
        peak_memory_bytes: the most memory the process tree held (proportional set size, sampled
            four times a second).
        output_bytes: total bytes it wrote to stdout and stderr.
        output_head: the first bytes of that output, decoded.
        output_tail: the last bytes of that output, decoded.
        isolation: the isolation level it ran under.
    """

    returncode: int
    timed_out: bool
    memory_exceeded: bool
    wall_s: float
    output_bytes: int
    output_head: str
    output_tail: str
    isolation: str
    processes_exceeded: bool = False
    peak_memory_bytes: int = 0

    @property
    def output_truncated(self) -> bool:
        """True when part of the output was dropped."""
        return self.output_bytes > self._kept_bytes

    @property
    def output(self) -> str:
        """The kept output, with a marker where bytes were dropped."""
        if not self.output_truncated:
            return self.output_head + self.output_tail
        dropped = self.output_bytes - self._kept_bytes
        return (
            f"{self.output_head}\n[... {dropped} bytes of output omitted ...]\n{self.output_tail}"
        )

    @property
    def _kept_bytes(self) -> int:
        return len(self.output_head.encode()) + len(self.output_tail.encode())


@dataclass(frozen=True)
class Mounts:
    """What the sandboxed command may see of the file system.

    Attributes:
        read_write: directories it may write (scratch, artifacts).
        read_only: directories or files it may read, in addition to the Python installation.
        hidden: paths that must not be visible (used by the ``unshare`` level, which starts from the
            whole file system; the ``bwrap`` level never shows them in the first place).
        scratch: (folder, bytes) pairs: writable folders that start empty and hold at most that
            many bytes (a file system of their own at ``bwrap`` and ``unshare``; the folder itself
            at ``none``, which must exist).
    """

    read_write: tuple[Path, ...] = ()
    read_only: tuple[Path, ...] = ()
    hidden: tuple[Path, ...] = field(default_factory=tuple)
    scratch: tuple[tuple[Path, int], ...] = ()

    @property
    def writable(self) -> tuple[Path, ...]:
        """Every folder the command may write."""
        return self.read_write + tuple(folder for folder, _ in self.scratch)


__all__ = [
    "IsolationError",
    "Limits",
    "Mounts",
    "SandboxResult",
    "probe_isolation",
    "run_sandboxed",
]


def probe_isolation(forced: str | None = None) -> str:
    """Returns the isolation level: ``forced``, else ``GRADER_ISOLATION``, else the strongest here.

    Args:
        forced: a level the caller requires (``bwrap``, ``unshare`` or ``none``), or None.

    Returns:
        The level's name.

    Raises:
        IsolationError: if the requested level is unknown or does not work here.
    """
    requested = forced or os.environ.get(ISOLATION_ENV, "").strip()
    if requested:
        if requested not in LEVELS:
            raise IsolationError(
                f"isolation {requested!r} is unknown: expected one of {', '.join(LEVELS)}"
            )
        if not _level_works(requested):
            raise IsolationError(f"isolation {requested!r} does not work on this machine")
        _refuse_root_without_drop(requested)
        return requested
    for level in LEVELS:
        if _level_works(level):
            if level == "none":
                _refuse_root_without_drop(level)
                warnings.warn(
                    "grader sandbox: neither bubblewrap nor user namespaces work here; student "
                    "code runs in a plain subprocess with resource limits only (network and "
                    "files are NOT isolated)",
                    RuntimeWarning,
                    stacklevel=2,
                )
            return level
    return "none"


def _refuse_root_without_drop(level: str) -> None:
    reason = unprivileged.refusal(sys.executable) if level == "none" else ""
    if reason:
        raise IsolationError(reason)


@functools.lru_cache(maxsize=None)
def _level_works(level: str) -> bool:
    if level == "none":
        return True
    try:
        argv = _wrap(level, ["true"], Mounts(), cwd=Path("/"))
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def run_sandboxed(
    argv: list[str],
    *,
    cwd: Path,
    mounts: Mounts,
    limits: Limits = Limits(),
    env: dict[str, str] | None = None,
    isolation: str | None = None,
    watch: Callable[[], bool] | None = None,
) -> SandboxResult:
    """Runs ``argv`` isolated and limited, and waits for it.

    Args:
        argv: the command; ``argv[0]`` should be an absolute path.
        cwd: its working directory (a scratch directory; it must be in ``mounts.read_write``).
        mounts: what it may see and write.
        limits: resource limits.
        env: its entire environment (nothing is inherited).
        isolation: the level to use; None probes for the strongest.
        watch: called a few times a second while the command runs; returning True kills it and
            counts as a time-out (the caller's own, finer time limit).

    Returns:
        How it ended, with the kept part of its output.
    """
    level = isolation or probe_isolation()
    drop = level == "none" and unprivileged.dropping()
    if drop:
        unprivileged.prepare((*mounts.writable, cwd), mounts.read_only, Path(argv[0]))
    command = _wrap(level, argv, mounts, cwd=cwd)
    started = time.monotonic()
    proc = subprocess.Popen(
        command,
        cwd=cwd,
        env=env or {},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=functools.partial(_prepare_child, limits, drop),
    )
    capture = _OutputCapture(proc.stdout, limits.output_keep_bytes)
    capture.start()
    timed_out = memory_exceeded = processes_exceeded = False
    peak_memory = 0
    next_rss_check = 0.0
    while proc.poll() is None:
        now = time.monotonic()
        if now - started > limits.wall_s:
            timed_out = True
            break
        if now >= next_rss_check:
            next_rss_check = now + 0.25
            processes = _process_tree(proc.pid)
            # Root ignores RLIMIT_NPROC, so the process count is watched here instead.
            if len(processes) > limits.max_processes:
                processes_exceeded = True
                break
            memory = _memory_bytes(processes)
            peak_memory = max(peak_memory, memory)
            if memory > limits.memory_bytes:
                memory_exceeded = True
                break
            if watch is not None and watch():
                timed_out = True
                break
        time.sleep(0.05)
    if proc.poll() is None:
        _kill_tree(proc.pid)
    returncode = proc.wait()
    try:
        # Background processes the command left behind in its session (possible without a pid
        # namespace).
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    capture.join(timeout=5)
    head, tail, total = capture.result()
    return SandboxResult(
        returncode=returncode,
        timed_out=timed_out,
        memory_exceeded=memory_exceeded,
        processes_exceeded=processes_exceeded,
        wall_s=time.monotonic() - started,
        output_bytes=total,
        output_head=head,
        output_tail=tail,
        isolation=level,
        peak_memory_bytes=peak_memory,
    )


def _wrap(level: str, argv: list[str], mounts: Mounts, *, cwd: Path) -> list[str]:
    if level == "bwrap":
        return _bwrap_command(argv, mounts, cwd)
    if level == "unshare":
        return _unshare_command(argv, mounts)
    return list(argv)


def _bwrap_command(argv: list[str], mounts: Mounts, cwd: Path) -> list[str]:
    bwrap = shutil.which("bwrap") or "bwrap"
    command = [
        bwrap,
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--uid",
        "65534",
        "--gid",
        "65534",
        "--proc",
        "/proc",
        # bwrap's /dev is a file system in memory with no cap of its own, /dev/shm in it: it is
        # made read-only (its devices still work), and /dev/shm gets a capped one, as /tmp does, so
        # that filling either cannot exhaust the machine's RAM outside the memory limit. No backend
        # needs more (a PyTorch or JAX producer and judge run with it).
        "--dev",
        "/dev",
        "--size",
        str(SHARED_MEMORY_BYTES),
        "--tmpfs",
        "/dev/shm",
        "--remount-ro",
        "/dev",
        "--size",
        str(64 * 2**20),
        "--tmpfs",
        "/tmp",
    ]
    for directory in _SYSTEM_DIRS:
        command += ["--ro-bind-try", directory, directory]
    for name in _ETC_FILES:
        command += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    for path in _python_paths():
        command += ["--ro-bind-try", str(path), str(path)]
    for path in mounts.read_only:
        command += ["--ro-bind", str(path), str(path)]
    for path in mounts.read_write:
        command += ["--bind", str(path), str(path)]
    for path, size in mounts.scratch:
        command += ["--size", str(size), "--tmpfs", str(path)]
    # The sandbox's own root is a tmpfs holding the mount points; nothing may be written there.
    command += ["--remount-ro", "/", "--chdir", str(cwd), "--"]
    return command + list(argv)


def _unshare_command(argv: list[str], mounts: Mounts) -> list[str]:
    unshare = shutil.which("unshare") or "unshare"
    steps = []
    for path in mounts.hidden:
        if path.is_dir():
            steps.append(f"mount -t tmpfs -o ro,size=4k none {_quote(path)}")
        elif path.exists():
            steps.append(f"mount --bind /dev/null {_quote(path)}")
    # Everything becomes read-only except the writable directories, which get mounts of their own:
    # inside the namespace the student is (mapped) root, so file permissions alone would not stop
    # writes.
    steps += [f"mount --bind {_quote(path)} {_quote(path)}" for path in mounts.read_write]
    steps += [
        f"mount -t tmpfs -o size={size},mode=0700 none {_quote(path)}"
        for path, size in mounts.scratch
    ]
    keep = "|".join(_quote(path) for path in mounts.writable) or "''"
    remount = (
        "for m in $(awk '{print $5}' /proc/self/mountinfo | sort -u); do "
        f'case "$m" in {keep}) ;; *) mount -o remount,bind,ro "$m" 2>/dev/null;; esac; done; true'
    )
    # Fail closed: if a cover or a bind cannot be mounted the command does not run at all. The
    # working folder is entered again, so that it is the new mount, not the folder beneath it.
    script = " && ".join(steps + [remount, 'cd "$PWD"', 'exec "$@"'])
    return [
        unshare,
        "--user",
        "--map-root-user",
        "--net",
        "--pid",
        "--fork",
        "--kill-child",
        "--mount",
        "--mount-proc",
        "--",
        "/bin/sh",
        "-c",
        script,
        "sandbox",
    ] + list(argv)


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "'\\''") + "'"


@functools.lru_cache(maxsize=None)
def _python_paths() -> tuple[Path, ...]:
    """The Python installation and virtual environment, and the real paths behind symlinks."""
    paths = {
        Path(sys.prefix),
        Path(sys.base_prefix),
        Path(sys.exec_prefix),
        Path(sys.base_exec_prefix),
    }
    paths |= {p.resolve() for p in list(paths)}
    paths.add(Path(sys.executable).resolve().parent.parent)
    return tuple(sorted(paths))


def _prepare_child(limits: Limits, drop: bool) -> None:
    """Runs in the child between fork and exec: limits, then root given up, then death with us."""
    resource.setrlimit(resource.RLIMIT_DATA, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if drop:
        unprivileged.drop()
    # After the user change, which clears it.
    die_with_parent()


def _find_prctl():
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


# Looked up once, here: the child between fork and exec should only call it.
_PRCTL = _find_prctl()
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Has the kernel kill this process when the thread that started it ends (Linux only)."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)


def _process_tree(root: int) -> list[psutil.Process]:
    """The process ``root`` and every descendant still there (none once ``root`` is gone)."""
    try:
        process = psutil.Process(root)
        return [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _memory_bytes(processes: list[psutil.Process]) -> int:
    """Memory used by the processes together: the sum of their proportional set sizes (PSS).

    Resident sizes would count the pages a forked child shares with its parent once per process, so
    a handful of forks of a TensorFlow process would look like many gigabytes; PSS splits shared
    pages between their users. Where PSS is unreadable the resident size stands in.
    """
    total = 0
    for process in processes:
        try:
            total += process.memory_full_info().pss
        except psutil.AccessDenied:
            total += _resident_bytes(process)
        except psutil.Error:
            continue
    return total


def _resident_bytes(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except psutil.Error:
        return 0


def _kill_tree(root: int) -> None:
    """Kills the process group and every descendant (a process may have left the group).

    A fork bomb keeps making children while they are being killed, so the tree is walked again until
    nothing is left of it but the root (whose exit status the caller still collects).
    """
    try:
        os.killpg(root, signal.SIGKILL)
    except OSError:
        pass
    for _ in range(50):
        processes = _process_tree(root)
        for process in reversed(processes):
            try:
                process.kill()
            except psutil.Error:
                pass
        if len(processes) <= 1:
            break
        time.sleep(0.02)


class _OutputCapture(threading.Thread):
    """Drains a pipe, keeping only its first and last ``keep`` bytes."""

    def __init__(self, pipe, keep: int):
        super().__init__(daemon=True)
        self._pipe = pipe
        self._keep = keep
        self._head = bytearray()
        self._tail: collections.deque[bytes] = collections.deque()
        self._tail_len = 0
        self._total = 0

    def run(self) -> None:
        while True:
            chunk = (
                self._pipe.read1(65536) if hasattr(self._pipe, "read1") else self._pipe.read(65536)
            )
            if not chunk:
                break
            self._total += len(chunk)
            room = self._keep - len(self._head)
            if room > 0:
                self._head += chunk[:room]
                chunk = chunk[room:]
            if chunk:
                self._tail.append(chunk)
                self._tail_len += len(chunk)
                while self._tail and self._tail_len - len(self._tail[0]) >= self._keep:
                    self._tail_len -= len(self._tail.popleft())
        self._pipe.close()

    def result(self) -> tuple[str, str, int]:
        tail = b"".join(self._tail)[-self._keep :]
        return (
            self._head.decode("utf-8", "replace"),
            tail.decode("utf-8", "replace"),
            self._total,
        )
