"""Worker processes that are recycled after a bounded number of tasks.

A long campaign must not depend on one process staying healthy for hours:
whatever a process accumulates (caches, fragmented memory, state a program
leaves behind) is dropped when the process is.  :func:`run_tasks` runs
tasks on ``jobs`` spawned processes, each of which serves at most
``tasks_per_worker`` tasks and then exits; a fresh one takes its place.

``concurrent.futures.ProcessPoolExecutor(max_tasks_per_child=...)`` would do
this, but on Python 3.11 to 3.13 it hangs once the first worker retires
while tasks are queued (CPython gh-115634, gh-111498), so the pool is
written out here: one pipe per worker, one task in flight per worker.

A worker that dies while running a task (a crash in native code, the
out-of-memory killer) does not stop the others: its task is reported as
:class:`Lost` and the worker replaced.  An exception raised by a task is
re-raised in the parent, and so is a worker's own failure (exit code 1:
an initializer or an unpicklable task that raised).
"""

from __future__ import annotations

import multiprocessing
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait


@dataclass
class Done:
    """A task's result, with where and how long it ran: ``seconds`` is the
    time the task took in its worker (start-up excluded) and ``cpu`` the
    processor time it used there (which other processes on the machine do
    not inflate), ``worker`` the worker's pid and ``nth`` the task's rank
    among that worker's tasks (1 for a worker's first)."""

    index: int
    value: object
    seconds: float
    worker: int
    nth: int
    cpu: float = 0.0


@dataclass
class Lost:
    """A task whose worker died before answering (``exitcode`` as
    :attr:`multiprocessing.Process.exitcode`: ``-11`` for a segmentation
    fault, ``-9`` when killed), or was ended because the task ran longer
    than the timeout (``timed_out``)."""

    index: int
    exitcode: int | None
    worker: int
    timed_out: bool = False


class TaskError(RuntimeError):
    """A task raised in its worker; the message holds the worker's traceback."""


def _serve(conn, initializer, max_tasks: int) -> None:
    """Worker loop: run ``(index, fn, args)`` messages until ``None`` or
    ``max_tasks`` tasks, answering ``(index, ok, value, seconds, cpu, nth)``."""
    if initializer is not None:
        initializer()
    try:
        for nth in range(1, max_tasks + 1):
            msg = conn.recv()
            if msg is None:
                return
            index, fn, args = msg
            t, c = time.perf_counter(), time.process_time()
            try:
                ok, value = True, fn(*args)
            except BaseException:  # noqa: BLE001 - sent to the parent, which raises
                ok, value = False, traceback.format_exc()
            seconds, cpu = time.perf_counter() - t, time.process_time() - c
            try:
                conn.send((index, ok, value, seconds, cpu, nth))
            except Exception:  # noqa: BLE001 - an unpicklable result
                conn.send((index, False, traceback.format_exc(), seconds, cpu, nth))
    except (EOFError, KeyboardInterrupt):  # the parent went away or was interrupted
        return
    finally:
        conn.close()


class _Worker:
    def __init__(self, ctx, initializer, max_tasks: int):
        self.conn, child = ctx.Pipe()
        # not daemonic: the ``processes`` paths start a process pool of their
        # own; a worker whose parent is gone ends at its next read (EOFError)
        self.proc = ctx.Process(target=_serve, args=(child, initializer, max_tasks), daemon=False)
        self.proc.start()
        child.close()
        self.max_tasks = max_tasks
        self.sent = 0
        self.task = None  # index of the task in flight
        self.since = 0.0  # when it was sent

    @property
    def retired(self) -> bool:
        return self.sent >= self.max_tasks

    def send(self, index: int, fn, args) -> None:
        self.task = index
        self.since = time.monotonic()
        self.sent += 1
        self.conn.send((index, fn, args))

    def stop(self, timeout: float = 5.0) -> None:
        """Let the process end (or end it); close the pipe."""
        if self.proc.is_alive() and self.task is None and not self.retired:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.proc.join(timeout if self.task is None else 0)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(timeout)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def run_tasks(
    fn: Callable,
    tasks: Iterable[tuple],
    jobs: int = 1,
    tasks_per_worker: int = 8,
    initializer: Callable | None = None,
    timeout: float | None = None,
) -> Iterator[Done | Lost]:
    """Run ``fn(*args)`` for each ``args`` of ``tasks`` on ``jobs`` spawned
    processes, each retired after ``tasks_per_worker`` tasks; yield a
    :class:`Done` (or :class:`Lost`) per task, in order of completion.
    A task still running ``timeout`` seconds after it was sent is lost: its
    worker is ended and replaced.

    ``fn`` and ``initializer`` must be importable module-level functions
    (the processes are spawned: torch's thread pools do not survive a fork).

    >>> sorted(d.value for d in run_tasks(pow, [(2, 3), (3, 2)], tasks_per_worker=1))
    [8, 9]
    """
    ctx = multiprocessing.get_context("spawn")
    queue = deque(enumerate(tasks))
    workers: list = []
    retiring: list = []  # retired workers not yet exited
    try:
        while queue or any(w.task is not None for w in workers):
            busy = sum(w.task is not None for w in workers)
            while len(workers) < min(jobs, busy + len(queue)):
                workers.append(_Worker(ctx, initializer, tasks_per_worker))
            for w in workers:
                if w.task is None and queue:
                    index, args = queue.popleft()
                    w.send(index, fn, args)
            running = [w for w in workers if w.task is not None]
            left = None
            if timeout is not None:
                left = max(0.0, min(w.since for w in running) + timeout - time.monotonic())
            ready = wait([w.conn for w in running] + [w.proc.sentinel for w in running], left)
            for w in running:
                if w.conn not in ready and w.proc.sentinel not in ready:
                    if timeout is not None and time.monotonic() - w.since >= timeout:
                        task, w.sent = w.task, w.max_tasks  # replace it
                        w.stop(timeout=5.0)  # (terminates it: its task is in flight)
                        w.task = None
                        workers.remove(w)
                        yield Lost(task, w.proc.exitcode, w.proc.pid, timed_out=True)
                    continue
                try:
                    index, ok, value, seconds, cpu, nth = w.conn.recv()
                except (EOFError, OSError):  # died before answering
                    w.proc.join()
                    if w.proc.exitcode == 1:  # a Python error outside the task
                        raise TaskError(
                            f"worker {w.proc.pid} failed (exit code 1) on task {w.task}; "
                            "its traceback is printed above"
                        ) from None
                    yield Lost(w.task, w.proc.exitcode, w.proc.pid)
                    w.task = None
                    w.sent = w.max_tasks  # replace it
                else:
                    w.task = None
                    if not ok:
                        raise TaskError(f"task {index} raised in worker {w.proc.pid}:\n{value}")
                    yield Done(index, value, seconds, w.proc.pid, nth, cpu)
                if w.retired:  # it exits by itself; a fresh one takes its place
                    workers.remove(w)
                    retiring.append(w)
            for w in [w for w in retiring if not w.proc.is_alive()]:
                w.stop()
                retiring.remove(w)
    finally:
        for w in workers + retiring:
            w.stop()
