"""Remote converters: the example built through two unoserver instances on loopback (slow), and the
endpoint addresses they are given."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pdfs
import pytest

from binder.build import BuildOptions, build
from binder.convert.remote import Endpoint, RemoteConverter, parse_endpoint
from binder.errors import ToolError

EXAMPLE = Path(__file__).resolve().parents[2] / "inputs" / "example.xlsx"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unoserver_command() -> list[str]:
    found = Path(sys.executable).with_name("unoserver")
    if not found.exists():
        pytest.fail("unoserver is not installed in this environment: ./run setup installs it")
    return [str(found)]


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    procs, endpoints = [], []
    for n in range(2):
        port, uno_port = free_port(), free_port()
        profile = tmp_path_factory.mktemp(f"unoserver{n}")
        procs.append(
            subprocess.Popen(
                [
                    *unoserver_command(),
                    "--interface",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--uno-interface",
                    "127.0.0.1",
                    "--uno-port",
                    str(uno_port),
                    "--user-installation",
                    str(profile),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        endpoints.append(Endpoint("127.0.0.1", port))
    converter = RemoteConverter(endpoints)
    deadline = time.monotonic() + 60
    while not all(converter._ping(e) for e in endpoints):
        assert time.monotonic() < deadline, "unoserver did not start"
        time.sleep(0.5)
    yield endpoints
    for proc in procs:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def test_parse_endpoint():
    assert parse_endpoint("unoserver://10.0.0.5:2003") == Endpoint("10.0.0.5", 2003)
    with pytest.raises(ToolError):
        parse_endpoint("http://x:1")


@pytest.mark.slow
def test_the_example_builds_through_two_unoservers(servers, tmp_path):
    out = tmp_path / "out"
    dead = f"unoserver://127.0.0.1:{free_port()}"  # nothing listens: its work goes to the others
    result = build(EXAMPLE, BuildOptions(out=out, converters=(dead, *map(str, servers)), timeout=60))
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["documents"]) == 14 and len(result.binders) == 4
    sop_pdfs = sorted((out / "sops").glob("*.pdf"))
    assert len(sop_pdfs) == 14
    for pdf in sop_pdfs:
        texts = pdfs.page_texts(pdf)
        toc = texts[0]
        headings = [(title, page) for depth, title, page in pdfs.outline(pdf) if depth == 0 and title != "Contents"]
        assert headings, pdf.name
        for title, page in headings:
            assert pdfs.squash(title) in pdfs.squash(texts[page])
            assert f"{title}" in toc
    binder = out / "binders" / "OPS-binder.pdf"
    starts = {t[:7]: p for d, t, p in pdfs.outline(binder) if d == 1 and t[:4] == "OPS-"}
    assert starts
    assert set(starts.values()) <= {target for _, target in pdfs.links(binder)}


@pytest.mark.slow
def test_work_is_spread_over_the_endpoints(servers, tmp_path):
    from binder.convert.pool import Job

    source = tmp_path / "src"
    build(EXAMPLE, BuildOptions(out=source, jobs=1))
    jobs = [Job(p.stem, p, tmp_path / "pdf" / f"{p.stem}.pdf") for p in sorted((source / "sops").glob("*.docx"))]
    with RemoteConverter(servers) as converter:
        results = converter.convert(jobs)
        assert [r.key for r in results] == [j.key for j in jobs]
        assert all(count > 0 for count in converter.per_endpoint.values()), converter.per_endpoint
    assert all(j.pdf.read_bytes().startswith(b"%PDF-") for j in jobs)


@pytest.mark.slow
def test_no_endpoint_answering_is_a_clear_error(tmp_path):
    with pytest.raises(ToolError, match="no converter answers"):
        build(EXAMPLE, BuildOptions(out=tmp_path / "out", converters=(f"unoserver://127.0.0.1:{free_port()}",)))
    assert not (tmp_path / "out").exists()
