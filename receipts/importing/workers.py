"""The import's concurrency: forked validation processes and the COPY thread."""

import contextlib
import itertools
import multiprocessing
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

from receipts.importing.staging import _ChunkStager

# The stager of the running import, inherited by the forked worker processes.
_WORKER_STAGER: _ChunkStager | None = None


def _stage_in_worker(chunk):
    return _WORKER_STAGER(chunk)


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
    inherit the kelurahan index and the active language) and never touch the database
    connection; the COPY stays in this process and this transaction.
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
    executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    try:
        pending = deque()
        for chunk in chunks:
            pending.append(executor.submit(_stage_in_worker, chunk))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
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
