"""Graphviz's ``dot`` for the flowcharts: bounded in time, and never outliving its drawing or its process.

Fitting one chart to its pages lays out a dozen sources, and a new ``dot`` costs ~25 ms of CPU before it reads
a byte, more than half of a typical layout. So a chart's layouts (``-Tjson -Tsvg``) go to one ``dot`` of its
own (``Session``), which reads graph after graph from its input and answers each at once, and its PNG pictures
(``-Tjson -Tpng``) to another. After each source a tiny graph of a name no source uses is sent: its answer marks
where the source's ends, and an answer that is only the marker's means Graphviz refused the source, told at once
rather than by the timeout. Within ``kept()`` every chart drawn in this process shares those ``dot`` processes
(a build drawing its charts in one process): they are stopped as it ends. A process forked meanwhile (a build's
process beside it) starts its own: it never writes to, nor stops, those of the process it was forked from.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import select
import subprocess
import time
from collections.abc import Iterator

from binder.interrupts import held

LAYOUT = ("-Tjson", "-Tsvg")
_SVG_END = b"</svg>\n"
_PNG_START, _PNG_END = b"\x89PNG\r\n\x1a\n", b"IEND\xaeB`\x82"
_PAGED = re.compile(rb'<g id="page\d+,\d+_graph0" class="graph"')
_ENDS = itertools.count(1)

_RUNNING: dict[int, subprocess.Popen] = {}
"""The Graphviz processes of this process, so that a SIGTERM can stop them (``stop_all``)."""


class DotTimeout(Exception):
    """Graphviz took longer than it was given; it has been stopped."""


class DotFailed(Exception):
    """Graphviz refused the source or died; the message is what it said."""


def _start(formats: tuple[str, ...] | list[str]) -> subprocess.Popen:
    with held():  # an interrupt between starting Graphviz and recording it would leave it running unseen
        proc = subprocess.Popen(
            ["dot", *formats], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        _RUNNING[proc.pid] = proc
    return proc


def _stop(proc: subprocess.Popen) -> None:
    with contextlib.suppress(OSError):
        proc.kill()
    proc.wait()
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    _RUNNING.pop(proc.pid, None)


def run_once(source: str, formats: list[str], timeout: float) -> bytes:
    """``dot`` with ``formats`` on ``source`` in a process of its own."""
    proc = _start(formats)
    try:
        out, err = proc.communicate(source.encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc)
        raise DotTimeout from None
    except BaseException:  # interrupted: Graphviz must not outlive the build
        _stop(proc)
        raise
    _RUNNING.pop(proc.pid, None)
    if proc.returncode != 0 or not out:
        raise DotFailed(err.decode(errors="replace").strip())
    return out


def picture_formats(dpi: int) -> tuple[str, ...]:
    """The formats of a ``Session`` answering PNG pictures at ``dpi`` (``Session.picture``)."""
    return ("-Tjson", "-Tpng", f"-Gdpi={dpi}")


class Session:
    """One ``dot`` answering graph after graph in ``formats`` (``LAYOUT`` or ``picture_formats``); closed (and
    waited for) when the chart is drawn, or when ``kept()`` ends."""

    def __init__(self, formats: tuple[str, ...] = LAYOUT) -> None:
        self._formats = formats
        self._end = _SVG_END if formats == LAYOUT else _PNG_END
        self._proc: subprocess.Popen | None = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        assert proc.stdin is not None
        with contextlib.suppress(OSError):
            proc.stdin.close()  # dot ends at the end of its input
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        finally:
            _stop(proc)

    def layout(self, source: str, timeout: float) -> bytes:
        """``dot -Tjson -Tsvg`` on ``source``: the JSON, then the SVG; what a ``dot`` of its own would make
        of it, provided the graph is named (an anonymous one is named by how many graphs came before it)."""
        assert self._formats == LAYOUT
        return self._ask(source, timeout)

    def picture(self, source: str, timeout: float) -> bytes:
        """The PNG of ``source`` (of a session of ``picture_formats``): what ``dot -Tpng`` of its own makes."""
        assert self._end == _PNG_END
        answer = self._ask(source, timeout)
        return answer[answer.index(_PNG_START) :]  # after the JSON, whose text escapes the signature's bytes

    def _ask(self, source: str, timeout: float) -> bytes:
        if self._proc is None:
            self._proc = _start(self._formats)
        proc = self._proc
        try:
            return self._answer(proc, source, timeout)
        except BaseException:  # timed out, failed or interrupted: this dot is given up
            self._proc = None
            _stop(proc)
            raise

    def _answer(self, proc: subprocess.Popen, source: str, timeout: float) -> bytes:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        name = f"binder_end_{next(_ENDS)}"
        marker = f'"name": "{name}"'.encode()
        pending = memoryview(f"{source}\ndigraph {name} {{}}\n".encode())
        out, err = bytearray(), bytearray()
        stdin, stdout, stderr = proc.stdin.fileno(), proc.stdout.fileno(), proc.stderr.fileno()
        os.set_blocking(stdin, False)
        deadline = time.monotonic() + timeout
        end = self._end  # the last bytes of an answer (the marker's too)
        while not ((at := out.find(marker)) >= 0 and out.endswith(end) and out.rfind(end) > at):
            left = deadline - time.monotonic()
            if left <= 0:
                raise DotTimeout
            readable, writable, _ = select.select([stdout, stderr], [stdin] if pending else [], [], left)
            if writable:
                pending = pending[os.write(stdin, pending) :]
            for fd in readable:
                chunk = os.read(fd, 1 << 16)
                if not chunk:  # Graphviz stopped: it does after a syntax error
                    raise DotFailed(_said(stderr, err) or "Graphviz stopped")
                (out if fd == stdout else err).extend(chunk)
        own = out.rfind(end, 0, at)
        if own < 0:
            raise DotFailed(_said(stderr, err) or "Graphviz drew nothing")
        answer = bytes(out[: own + len(end)])
        if end != _SVG_END:
            return answer
        # Graphviz (2.43) gives the graph of every answer after its first the id of a page it is not on
        return _PAGED.sub(rb'<g id="graph0" class="graph"', answer, count=1)


class Sessions:
    """The ``Session`` of each set of formats a chart (or every chart within ``kept()``) needs, started when
    first asked for."""

    def __init__(self) -> None:
        self._by_formats: dict[tuple[str, ...], Session] = {}

    def get(self, formats: tuple[str, ...]) -> Session:
        found = self._by_formats.get(formats)
        if found is None:
            found = self._by_formats[formats] = Session(formats)
        return found

    def close(self) -> None:
        sessions, self._by_formats = list(self._by_formats.values()), {}
        for session in sessions:
            session.close()


_KEPT: Sessions | None = None


def _forget_parents() -> None:
    global _KEPT
    _KEPT = None
    _RUNNING.clear()


os.register_at_fork(after_in_child=_forget_parents)


@contextlib.contextmanager
def kept() -> Iterator[None]:
    """Within it, every chart drawn in this process shares its ``dot`` processes; they are stopped as it ends
    (however it ends). Nested, the outermost keeps them."""
    global _KEPT
    if _KEPT is not None:
        yield
        return
    _KEPT = Sessions()
    try:
        yield
    finally:
        sessions, _KEPT = _KEPT, None
        sessions.close()


@contextlib.contextmanager
def sessions() -> Iterator[Sessions]:
    """The sessions a chart is drawn with: those ``kept()``, else its own, stopped once it is drawn."""
    if _KEPT is not None:
        yield _KEPT
        return
    own = Sessions()
    try:
        yield own
    finally:
        own.close()


def _said(stderr: int, err: bytearray) -> str:
    """All Graphviz said of the source: its last line may still be on its way, written in parts."""
    until = time.monotonic() + 1
    while not err.endswith(b"\n") and select.select([stderr], [], [], max(0, until - time.monotonic()))[0]:
        if not (chunk := os.read(stderr, 1 << 16)):
            break
        err.extend(chunk)
    return err.decode(errors="replace").strip()


def stop_all() -> None:
    """Kill every Graphviz of this process (a SIGTERM's handler, which then exits at once)."""
    for proc in list(_RUNNING.values()):
        with contextlib.suppress(OSError):
            proc.kill()
