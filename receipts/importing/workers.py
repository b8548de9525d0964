"""The import's concurrency: forked validation processes and the COPY thread."""

import contextlib
import ctypes
import itertools
import multiprocessing
import multiprocessing.connection
import os
import queue
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

from django.db import connections

from receipts.importing.staging import _ChunkStager

# The stager of the running import, inherited by the forked worker processes.
_WORKER_STAGER: _ChunkStager | None = None

# prctl(2): "send me this signal when the thread that forked me ends" (Linux).
_PR_SET_PDEATHSIG = 1
# The database connections a worker inherited, detached from their sockets: kept referenced so
# that they are never deallocated in the worker (see _forget_inherited_connections).
_DETACHED: list = []


def _stage_in_worker(chunk):
    return _WORKER_STAGER(chunk)


def _die_with_parent(parent_pid: int) -> None:
    """End this worker when the importing process ends, however it ends (issue 16.13).

    A killed parent (SIGKILL, OOM killer) runs no cleanup: its workers, left with parent 1,
    would live on. On Linux the kernel sends them SIGKILL as the parent goes
    (PR_SET_PDEATHSIG; the parent's main thread forks them, see _staged_chunks). Elsewhere, and
    as a second guard, a thread waits on multiprocessing's pipe from the parent, which reads
    end-of-file once the parent is gone.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the line above: nobody to serve
        os._exit(1)
    parent = multiprocessing.parent_process()
    if parent is not None and parent.sentinel is not None:

        def watch(sentinel=parent.sentinel):
            multiprocessing.connection.wait([sentinel])
            os._exit(1)

        threading.Thread(target=watch, name="import-parent-watch", daemon=True).start()


def _forget_inherited_connections() -> None:
    """Drop this worker's copies of the parent's database sockets, without a word to the server.

    A forked worker holds a copy of the parent's socket: while it lives, the server never sees
    the parent's session end, so a killed import stayed "idle in transaction" with its advisory
    lock (issue 16.13). Closing the inherited connection the usual way would be worse: libpq
    sends Terminate on the shared socket and ends the parent's session mid-import. Instead the
    socket's descriptor is replaced by /dev/null (dup2 closes the copy, nothing is sent) and
    Django forgets the connection; the psycopg2 object is kept referenced so that it is never
    deallocated here (its PQfinish would only reach /dev/null anyway).
    """
    for conn in connections.all(initialized_only=True):
        raw = conn.connection
        if raw is None:
            continue
        fileno = getattr(raw, "fileno", None)  # psycopg2; SQLite has no socket
        if fileno is not None:
            with contextlib.suppress(OSError, ValueError):
                devnull = os.open(os.devnull, os.O_RDWR)
                try:
                    os.dup2(devnull, fileno())
                finally:
                    os.close(devnull)
        _DETACHED.append(raw)
        conn.connection = None  # anything here that did reach for the database opens its own


def _worker_init(parent_pid: int) -> None:
    """First thing in every validation worker, before any task."""
    _die_with_parent(parent_pid)
    _forget_inherited_connections()
    # Ctrl-C and SIGTERM are the parent's to handle: it stops the pool and rolls back; the
    # workers end with it (above) or when it shuts the pool down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


class _BackgroundLoader:
    """Runs ``stage.load`` (the COPY) in a thread, chunk after chunk, in order.

    The main process then goes on reading the CSV and feeding the validation workers while
    PostgreSQL takes the previous chunk (psycopg2 releases the GIL while libpq sends the data
    and waits for the server). At most two chunks wait: memory stays flat. Only this thread
    uses the connection until ``close``/``stop`` returns.
    """

    def __init__(self, load: Callable):
        self.load = load
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        # Started with the first chunk, once the workers are forked (no thread to fork with).
        self.thread: threading.Thread | None = None

    def _run(self):
        while (payload := self.queue.get()) is not None:
            if self.error is None:  # after an error, only drain: put() must never block
                try:
                    self.load(payload)
                except BaseException as error:  # noqa: BLE001 (re-raised by put/close)
                    self.error = error

    def put(self, payload):
        if self.error is not None:
            raise self.error
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="import-copy", daemon=True)
            self.thread.start()
        self.queue.put(payload)

    def stop(self):
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()

    def close(self):
        """Wait for the last COPY; raise its error, if any."""
        self.stop()
        if self.error is not None:
            raise self.error


@contextlib.contextmanager
def _loader(load: Callable, *, background: bool):
    """``load(payload)`` for the import loop: in a thread when ``background``."""
    if not background:
        yield load
        return
    loader = _BackgroundLoader(load)
    try:
        yield loader.put
    except BaseException:
        loader.stop()  # the first error wins; the thread is done with the connection
        raise
    loader.close()


def _staged_chunks(chunks: Iterable[list], stager: _ChunkStager, workers: int) -> Iterator:
    """Yield ``stager(chunk)`` for every chunk, in order; validated by ``workers`` processes.

    With workers, the main process only reads the CSV and COPYs while the workers validate the
    next chunks, so the Python validation overlaps with PostgreSQL's work. At most two chunks
    per worker are in flight: memory does not grow with the file. The workers are forked (they
    inherit the kelurahan index and the active language), drop their copy of the database
    socket at once and die with this process (_worker_init); the COPY stays in this process
    and this transaction. ProcessPoolExecutor forks all of them from this (the main) thread
    on the first submit, which PR_SET_PDEATHSIG relies on.
    """
    global _WORKER_STAGER
    chunks = iter(chunks)
    first = list(itertools.islice(chunks, 2))
    if workers <= 1 or len(first) < 2:  # a file of one chunk is not worth starting processes
        for chunk in itertools.chain(first, chunks):
            yield stager(chunk)
        return
    chunks = itertools.chain(first, chunks)
    _WORKER_STAGER = stager
    executor = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_worker_init,
        initargs=(os.getpid(),),
    )
    try:
        pending = deque()
        for chunk in chunks:
            pending.append(executor.submit(_stage_in_worker, chunk))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    except BaseException:
        # Stopped midway (an error, Ctrl-C, SIGTERM): the chunks in flight are of no use, so
        # the workers end now instead of finishing them first (seconds on a busy machine).
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            process.kill()
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        _WORKER_STAGER = None


def default_workers() -> int:
    """Validation processes for the command: one per core, at most two (the COPY and the
    database need the rest of the machine)."""
    return max(1, min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
