"""``binder converters status`` and ``binder converters stop``: the user's converter daemon."""

from __future__ import annotations

import time

import click

from binder.cli.app import cli


@cli.group()
def converters() -> None:
    """The warm LibreOffice converter daemon that `binder build` shares between your builds."""


@converters.command()
def status() -> None:
    """Show whether the daemon runs: its pid, when it started, the documents it converted, idle seconds."""
    from binder.convert.client import ask, runtime_dir

    folder = runtime_dir()
    answer = ask(folder, "status")
    if answer is None:
        click.echo(f"no converter daemon running (socket: {folder}/converter.sock)")
        return
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(answer["started"]))
    click.echo(
        f"converter daemon {answer['pid']} running since {started}: {answer['conversions']} documents converted, "
        f"idle {answer['idle']:.0f} s, {len(answer.get('soffice', []))} soffice (socket: {folder}/converter.sock)"
    )


@converters.command()
def stop() -> None:
    """Stop the daemon (it stops LibreOffice); the next build starts a new one."""
    from binder.convert.client import ask, kill_hung, runtime_dir, wait_gone

    folder = runtime_dir()
    answer = ask(folder, "status")
    if answer is None or ask(folder, "stop") is None:
        killed = kill_hung(folder)  # one that runs but does not answer is hung
        click.echo(f"converter daemon {killed} did not answer: killed" if killed else "no converter daemon running")
        return
    wait_gone(folder, answer["pid"])
    click.echo("converter daemon stopped")
