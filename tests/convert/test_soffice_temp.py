"""LibreOffice's own temporary folder lives inside the profile binder removes, so the ``lu*.tmp``
folder a killed soffice leaves behind goes with it instead of piling up in /tmp."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document

from binder.convert import Converter, Job


def environment(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode(errors="replace").partition("=")[::2] for item in raw if item)


@pytest.mark.slow
def test_soffice_keeps_its_temporary_files_in_the_profile_that_close_removes(tmp_path):
    docx = tmp_path / "a.docx"
    document = Document()
    document.add_paragraph("Hello")
    document.save(docx)
    work = tmp_path / "work"
    with Converter(workers=1, workdir=work) as converter:
        converter.convert([Job("a", docx, tmp_path / "a.pdf")])
        pids = converter.soffice_pids()
        assert pids
        for pid in pids:
            temp = Path(environment(pid)["TMPDIR"])
            assert temp.is_relative_to(work.resolve())
            assert list(temp.glob("lu*.tmp")), "soffice made its temporary folder elsewhere"
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF-")
    assert not work.exists() or not any(work.rglob("lu*.tmp"))
