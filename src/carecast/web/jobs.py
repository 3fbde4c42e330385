"""Background work with visible progress: uploads and long runs never block a page.

A job runs in a small thread pool; it reports progress through a callback and ends with a result
or a user error. Results are cached by a hash of their inputs (data set hash + parameters) and the
carecast version, so asking again for the same forecast is instant. Jobs live in this process only:
a restart forgets running jobs, but finished results are kept on disk (JSON and Parquet, see
:mod:`carecast.web.cache`). A job that fails on a bug logs its traceback in the server's log; the
user sees a plain message.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carecast.errors import CarecastError, NotFoundError
from carecast.web import cache as result_cache
from carecast.web.access import Principal

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]


def input_hash(*parts: Any) -> str:
    """A stable hash of the inputs of a run (JSON-serialisable parts)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


@dataclass
class Job:
    id: str
    kind: str
    council: str | None
    owner_id: int
    key: str
    status: str = "queued"  # queued | running | done | failed
    progress: float = 0.0
    message: str = "Waiting to start"
    result: Any = None
    error: str | None = None
    rendered: bytes | None = None  # the finished result's HTML fragment, rendered once
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def done(self) -> bool:
        return self.status in ("done", "failed")


class JobManager:
    """Runs jobs in a thread pool, tracks them by id and caches finished results by input hash."""

    def __init__(
        self, cache_dir: Path, workers: int = 2, on_failure: Callable[[Job], None] | None = None
    ):
        self._on_failure = on_failure  # e.g. the audit log
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="carecast-job")
        self._jobs: dict[str, Job] = {}
        self._by_key: dict[str, str] = {}
        self._lock = threading.Lock()
        self._cache_dir = cache_dir
        cache_dir.mkdir(parents=True, exist_ok=True)

    def cached(self, key: str) -> Any | None:
        return result_cache.load(result_cache.cache_folder(self._cache_dir, key))

    def _keep(self, job: Job, result: Any) -> None:
        try:
            result_cache.save(result, result_cache.cache_folder(self._cache_dir, job.key))
        except (TypeError, OSError):  # the result stays in memory; only the restart copy is lost
            log.exception("web job %s (%s): result not cached", job.id, job.kind)

    def submit(
        self,
        *,
        kind: str,
        key: str,
        council: str | None,
        owner_id: int,
        work: Callable[[Progress], Any],
        cache: bool = True,
    ) -> Job:
        """Start ``work`` (or return the job already running / finished for the same inputs)."""
        with self._lock:
            existing = self._jobs.get(self._by_key.get(key, ""))
            if existing is not None and existing.status != "failed" and cache:
                return existing
            job = Job(
                id=hashlib.sha256(f"{key}|{time.time_ns()}".encode()).hexdigest()[:20],
                kind=kind,
                council=council,
                owner_id=owner_id,
                key=key,
            )
            self._jobs[job.id] = job
            self._by_key[key] = job.id
        hit = self.cached(key) if cache else None
        if hit is not None:
            job.result, job.status, job.progress, job.message = (
                hit,
                "done",
                1.0,
                "Finished (cached)",
            )
            job.finished = time.monotonic()
            return job
        self._pool.submit(self._run, job, work, cache)
        return job

    def _run(self, job: Job, work: Callable[[Progress], Any], cache: bool) -> None:
        def progress(fraction: float, message: str) -> None:
            job.progress = max(0.0, min(1.0, fraction))
            job.message = message

        job.status, job.message = "running", "Started"
        log.info("web job %s (%s) started", job.id, job.kind)
        try:
            result = work(progress)
        except CarecastError as exc:
            job.status, job.error = "failed", exc.render()
            log.info("web job %s (%s) refused its input: %s", job.id, job.kind, type(exc).__name__)
        except (
            Exception
        ) as exc:  # a bug: the traceback to the server log, a plain message to the user
            log.exception("web job %s (%s) failed with an internal error", job.id, job.kind)
            job.status = "failed"
            job.error = f"Internal error ({type(exc).__name__}). This is a bug in carecast, not in your data."
        else:
            if (
                cache
            ):  # kept before it shows as done: a finished job is also one a restart remembers
                self._keep(job, result)
            job.result, job.status, job.progress, job.message = result, "done", 1.0, "Finished"
            log.info(
                "web job %s (%s) finished in %.2f s",
                job.id,
                job.kind,
                time.monotonic() - job.started,
            )
        finally:
            job.finished = time.monotonic()
        if job.status == "failed" and self._on_failure is not None:
            self._on_failure(job)

    def get(self, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(
                "that job does not exist (it may have finished before a restart)",
                fix="start the run again",
            )
        return job

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def owned_job(jobs: JobManager, job_id: str, user: Principal) -> Job:
    """A job the user may watch: their own, or one for their council."""
    job = jobs.get(job_id)
    if job.owner_id != user.id and not (job.council and job.council == user.council):
        user.require_child_level(job.council or "another council")
    return job
