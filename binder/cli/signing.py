"""Signing from the command line: the passphrase (read here, never from an argument), ``sign``, ``verify``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from binder.cli.app import FORMAT, cli
from binder.console import display_path, plain, stderr_console


def SIGN_OPTIONS(command):
    """The options that say how to sign, shared by ``sign`` and ``build --sign``."""
    for option in reversed(
        [
            click.option(
                "--key",
                type=click.Path(path_type=Path, dir_okay=False),
                help="PKCS#12 file (.p12/.pfx) "
                "with the signing key and certificate. Passphrase: $BINDER_KEY_PASSPHRASE or a prompt.",
            ),
            click.option(
                "--reason",
                help="Reason shown in the signature [default: Settings 'Signature reason', "
                "else 'Issued as controlled copy'].",
            ),
            click.option("--location", help="Where it was signed [default: Settings 'Signature location']."),
            click.option("--contact", help="Signer contact [default: Settings 'Signature contact']."),
            click.option(
                "--timestamp-url", metavar="URL", help="RFC 3161 timestamp server (PAdES B-T). Off by default."
            ),
        ]
    ):
        command = option(command)
    return command


def read_passphrase(prompt: bool) -> bytes | None:
    """The key passphrase: ``$BINDER_KEY_PASSPHRASE``, else a hidden prompt on a terminal, else none.

    An empty answer means the key file has no passphrase. Prompting is the CLI's: the library
    (``binder.signing``) only ever takes the passphrase as bytes.
    """
    import getpass
    import os

    from binder.signing.keys import PASSPHRASE_ENV

    if PASSPHRASE_ENV in os.environ:
        return os.environ[PASSPHRASE_ENV].encode("utf-8") or None
    if prompt and sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass("Passphrase for the signing key: ").encode("utf-8") or None
    return None


def _signing(key: Path | None, reason, location, contact, timestamp_url):
    """Signing settings for the library; the passphrase is read here, never from an argument."""
    import os

    from binder.errors import SigningError
    from binder.signing.keys import PASSPHRASE_ENV, load_signer, needs_passphrase
    from binder.signing.options import Signing

    if key is None:
        raise click.UsageError("--sign needs --key KEY.p12")
    passphrase = None
    if needs_passphrase(key):  # an unprotected key is never prompted for
        if PASSPHRASE_ENV not in os.environ and not (sys.stdin is not None and sys.stdin.isatty()):
            raise SigningError(f"no passphrase: set {PASSPHRASE_ENV}")
        passphrase = read_passphrase(prompt=True)
    load_signer(key, passphrase)  # fail now, before anything is built, on a wrong passphrase or bad key
    return Signing(
        key=key,
        passphrase=passphrase,
        reason=reason,
        location=location,
        contact=contact,
        timestamp_url=timestamp_url,
        font_cache=_font_cache(),
    )


def _font_cache() -> Path:
    """The user's cache (``$XDG_CACHE_HOME/binder/stamp-fonts``): cutting the stamp's font costs ~0.6 s a run."""
    import os

    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "binder" / "stamp-fonts"


@cli.command()
@click.argument("pdf", type=click.Path(path_type=Path, dir_okay=False))
@SIGN_OPTIONS
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Signed copy to write [default: NAME.signed.pdf beside PDF]. The unsigned file is never changed.",
)
def sign(
    pdf: Path,
    key: Path | None,
    reason: str | None,
    location: str | None,
    contact: str | None,
    timestamp_url: str | None,
    out: Path | None,
) -> None:
    """Add a PAdES digital signature to PDF (a binder or pack), with a visible block on page 1
    showing signer, date and reason. The passphrase comes from $BINDER_KEY_PASSPHRASE or a
    prompt, never from an argument."""
    from contextlib import nullcontext

    from binder.output.copies import issued_file, recording
    from binder.signing.sign import SignOptions, default_output, sign_pdf

    signing = _signing(key, reason, location, contact, timestamp_url)
    target = out or default_output(pdf)
    issued = issued_file(pdf)
    inside = issued is not None and target.resolve().is_relative_to(issued.out)
    # A copy inside the output folder joins the record: kept with its issue, removed when it is re-issued.
    with recording(issued, target) if issued is not None and inside else nullcontext():
        sign_pdf(pdf, signing.key, signing.passphrase, target, signing.options(SignOptions()))
    recorded = " (recorded in the output folder's manifest with its binder)" if inside else ""
    stderr_console().print(plain(f"signed {display_path(target)}{recorded}"))


@cli.command()
@click.argument("pdf", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--trust",
    type=click.Path(path_type=Path, dir_okay=False),
    multiple=True,
    help="CA certificate (PEM or DER) to trust; repeat for several. Nothing else is trusted.",
)
@FORMAT
def verify(pdf: Path, trust: tuple[Path, ...], fmt: str) -> None:
    """Report who signed PDF, when and why, whether it is intact, whether the signer is
    trusted, and whether anything was added after signing. Exits 0 only when every
    signature is intact and trusted."""
    from binder.signing.verify import report_json, report_text, verify_pdf

    report = verify_pdf(pdf, trust)
    click.echo(report_json(report) if fmt == "json" else report_text(report))
    sys.exit(0 if report.ok else 1)
