"""Worker processes that die with their parent and leave Ctrl-C to it: for speech that uses every
core, and for articles built side by side (runners.local)."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1


def worker_started(parent: int) -> None:
    """In each worker process: die with the parent, and leave Ctrl-C to it.

    The kernel kills the worker when its parent dies, even by SIGKILL (Linux's PR_SET_PDEATHSIG);
    elsewhere a thread watches for the parent to go. Ctrl-C reaches the whole process group, but
    only the parent should act on it: it cancels the work and reports "Interrupted."."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    if hasattr(signal, "pthread_sigmask"):  # started with SIGTERM blocked (below): a stop may end it now
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


STOP_GRACE_S = 3.0


def _stop(signum: int, frame: object) -> None:
    """SIGTERM in a worker (a service manager stops every process of the service, or a broken pool
    is torn down): let the parent, stopped too, wind the pool down as it does for Ctrl-C (the
    sentence being spoken ends, and the worker is told to go), and go quietly after STOP_GRACE_S
    if it is not told (a broken pool's other workers)."""
    timer = threading.Timer(STOP_GRACE_S, os._exit, args=(128 + signum,))
    timer.daemon = True
    timer.start()


@contextlib.contextmanager
def children_deaf_to_ctrl_c() -> Iterator[None]:
    """Block SIGINT in this thread while it starts worker processes: they inherit the mask, so a
    Ctrl-C that reaches the process group while they are still importing cannot kill them with a
    traceback. This process still gets it (another thread takes it, or this one once unblocked).
    SIGTERM the same, until each worker has started (worker_started unblocks it there)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def process_pool(count: int) -> ProcessPoolExecutor:
    """A pool of ``count`` worker processes (started as ``worker_started`` says). Spawned, not
    forked: the parent may hold threads (the progress bar) and native state."""
    return ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("spawn"),
                               initializer=worker_started, initargs=(os.getpid(),))


_cores_each: int | None = None


def building_side_by_side() -> None:
    """Say that this process is one of several building articles at once (a batch's worker
    process, a cluster's worker): an engine that can spread one sentence over the cores (Piper)
    keeps to one, since the other cores are the other builds'."""
    global _cores_each
    _cores_each = 1


def cores() -> int:
    """The cores this process may run on (its CPU affinity: a container's or taskset's limit)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def speech_cores() -> int:
    """The cores one sentence may be spread over in this process."""
    return _cores_each or cores()
