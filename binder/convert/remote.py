"""Conversions sent to running unoserver instances (``--converter unoserver://HOST:PORT``), for scale-out.

unoserver (PyPI) wraps the same UNO calls as our local worker and updates every
index before export. We speak its XML-RPC API directly (``info``, ``convert``)
so that each call has a timeout: unoserver's own client has none. One thread per
endpoint pulls from one shared queue; a job whose endpoint fails or times out is
retried on another endpoint, and an endpoint that failed is rested for a while.
unoserver has no authentication: run it on loopback or a private network only.
"""

from __future__ import annotations

import http.client
import queue
import threading
import time
import xmlrpc.client
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

from binder.convert.base import ConverterBase, Job, Result, check_pdf
from binder.errors import ConversionError, ToolError

PDF_OPTIONS = ["ExportBookmarks=true", "ExportNotes=false", "UseTaggedPDF=true"]
REST_SECONDS = 30.0
"""How long a failing endpoint is left alone before it gets work again."""
API_VERSION = "3"


def filter_options(job: Job) -> list[str]:
    """``PDF_OPTIONS`` and the job's own, as unoserver takes them (``Name=true``, ``Name=2``)."""
    own = [f"{name}={str(value).lower() if isinstance(value, bool) else int(value)}" for name, value in job.options]
    return PDF_OPTIONS + own


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    def __str__(self) -> str:
        return f"unoserver://{self.host}:{self.port}"


def parse_endpoint(text: str) -> Endpoint:
    """``unoserver://HOST:PORT`` (the port defaults to unoserver's 2003)."""
    parts = urlsplit(text.strip())
    if parts.scheme != "unoserver" or not parts.hostname:
        raise ToolError(f"converter {text!r} is not of the form unoserver://HOST:PORT")
    try:
        port = parts.port or 2003
    except ValueError:
        raise ToolError(f"converter {text!r} has an invalid port") from None
    return Endpoint(parts.hostname, port)


class _Transport(xmlrpc.client.Transport):
    """XML-RPC over HTTP with a socket timeout."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = self._timeout
        return connection


class _EndpointDown(Exception):
    pass


class RemoteConverter(ConverterBase):
    """Same interface as ``pool.Converter``, backed by unoserver endpoints."""

    def __init__(self, endpoints: Sequence[Endpoint], timeout: float = 120.0, retries: int = 2) -> None:
        if not endpoints:
            raise ValueError("need at least one endpoint")
        self.endpoints = list(endpoints)
        self.timeout = timeout
        self.retries = retries
        self._conversions = 0
        self._per_endpoint: dict[Endpoint, int] = {e: 0 for e in self.endpoints}
        self._resting: dict[Endpoint, float] = {}
        self._lock = threading.Lock()
        self._abort = threading.Event()

    @property
    def per_endpoint(self) -> dict[str, int]:
        """Documents converted by each endpoint (tests check the work was spread)."""
        return {str(e): n for e, n in self._per_endpoint.items()}

    def warm_up(self) -> None:
        """Check every endpoint answers; one that does not is rested, all down is an error."""
        alive = [e for e in self.endpoints if self._ping(e)]
        if not alive:
            raise ToolError(
                "no converter answers: " + ", ".join(map(str, self.endpoints)),
                hint="start unoserver on those hosts, or build without --converter",
            )

    def close(self) -> None:
        self._abort.set()

    def convert(self, jobs: Sequence[Job], progress: Callable[[Result], None] | None = None) -> list[Result]:
        """Convert every job; results in the order of ``jobs``."""
        jobs = list(jobs)
        todo: queue.SimpleQueue = queue.SimpleQueue()
        for index, job in enumerate(jobs):
            todo.put((index, job, 0))
        done: queue.SimpleQueue = queue.SimpleQueue()
        finished = threading.Event()
        threads = [
            threading.Thread(target=self._serve, args=(e, todo, done, finished), daemon=True) for e in self.endpoints
        ]
        for thread in threads:
            thread.start()
        results: list[Result | None] = [None] * len(jobs)
        try:
            for _ in jobs:
                index, outcome = self._next(done, threads)
                if isinstance(outcome, BaseException):
                    raise outcome
                results[index] = outcome
                if progress:
                    progress(outcome)
        except BaseException:
            self._abort.set()
            raise
        finally:
            self._stop_threads(todo, threads, finished)
        return [r for r in results if r is not None]

    def _stop_threads(self, todo: queue.SimpleQueue, threads, finished: threading.Event) -> None:
        finished.set()
        for _ in threads:
            todo.put(None)
        for thread in threads:
            thread.join(timeout=self.timeout + 5)

    def _next(self, done: queue.SimpleQueue, threads):
        while True:
            try:
                return done.get(timeout=0.5)
            except queue.Empty:
                if not any(t.is_alive() for t in threads):
                    raise ToolError(
                        "every converter failed: " + ", ".join(map(str, self.endpoints)),
                        hint="check that unoserver runs on those hosts",
                    ) from None

    def _serve(
        self, endpoint: Endpoint, todo: queue.SimpleQueue, done: queue.SimpleQueue, finished: threading.Event
    ) -> None:
        while not self._abort.is_set() and not finished.is_set():
            self._wait_if_resting(endpoint, finished)
            item = todo.get()
            if item is None:
                return
            index, job, tries = item
            try:
                seconds = self._convert_on(endpoint, job)
            except _EndpointDown as down:
                self._rest(endpoint)
                if tries >= self.retries + len(self.endpoints) - 1:
                    done.put(
                        (index, ConversionError(job.key, f"no converter could convert it (last: {endpoint}: {down})"))
                    )
                else:
                    todo.put((index, job, tries + 1))  # another endpoint takes it
                continue
            with self._lock:
                self._conversions += 1
                self._per_endpoint[endpoint] += 1
            done.put((index, Result(job.key, job.pdf, seconds, self.endpoints.index(endpoint))))

    def _wait_if_resting(self, endpoint: Endpoint, finished: threading.Event) -> None:
        while not self._abort.is_set() and not finished.is_set():
            with self._lock:
                until = self._resting.get(endpoint, 0.0)
            if time.monotonic() >= until or len(self._resting) >= len(self.endpoints):
                return
            time.sleep(0.2)

    def _rest(self, endpoint: Endpoint) -> None:
        with self._lock:
            self._resting[endpoint] = time.monotonic() + REST_SECONDS

    def _proxy(self, endpoint: Endpoint, timeout: float) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy(
            f"http://{endpoint.host}:{endpoint.port}", transport=_Transport(timeout), allow_none=True
        )

    def _ping(self, endpoint: Endpoint) -> bool:
        try:
            with self._proxy(endpoint, 10) as proxy:
                info = cast(dict[str, Any], proxy.info())  # unoserver's info() answers a struct
            return str(info.get("api")) == API_VERSION
        except (OSError, xmlrpc.client.Error, http.client.HTTPException):
            self._rest(endpoint)
            return False

    def _convert_on(self, endpoint: Endpoint, job: Job) -> float:
        started = time.monotonic()
        try:
            with self._proxy(endpoint, self.timeout) as proxy:
                # unoserver answers the converted document as binary data, or nil when there is none
                result = cast(
                    "xmlrpc.client.Binary | None",
                    proxy.convert(
                        None,
                        xmlrpc.client.Binary(job.docx.read_bytes()),
                        None,
                        "pdf",
                        "writer_pdf_Export",
                        filter_options(job),
                        True,
                        "MS Word 2007 XML",
                        None,
                    ),
                )
        except (OSError, xmlrpc.client.Error, http.client.HTTPException) as exc:
            raise _EndpointDown(f"{type(exc).__name__}: {str(exc)[:200]}") from None
        if result is None:
            raise _EndpointDown("no document came back")
        job.pdf.parent.mkdir(parents=True, exist_ok=True)
        part = job.pdf.with_name(job.pdf.name + ".part")
        part.write_bytes(result.data)
        problem = check_pdf(part)
        if problem:
            part.unlink(missing_ok=True)
            raise _EndpointDown(problem)
        part.replace(job.pdf)
        return time.monotonic() - started
