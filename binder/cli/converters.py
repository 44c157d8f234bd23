"""``binder converters status`` and ``binder converters stop``: the user's converter daemon."""

from __future__ import annotations

import time

import click

from binder.cli.app import cli


@cli.group()
def converters() -> None:
    """The warm LibreOffice converter daemon and build host that `binder build` shares between your builds."""


@converters.command()
def status() -> None:
    """Show whether the daemon and build hosts run: pids, when they started, what they did."""
    from binder.convert.client import ask
    from binder.host.handoff import ask_hosts
    from binder.runtime import runtime_dir

    folder = runtime_dir()
    answer = ask(folder, "status")
    if answer is None:
        click.echo(f"no converter daemon running (socket: {folder}/converter.sock)")
    else:
        click.echo(
            f"converter daemon {answer['pid']} running since {_when(answer['started'])}: {answer['conversions']} "
            f"documents converted, idle {answer['idle']:.0f} s, {len(answer.get('soffice', []))} soffice "
            f"(socket: {folder}/converter.sock)"
        )
    for host in ask_hosts(folder, "status"):
        click.echo(
            f"build host {host['pid']} running since {_when(host['started'])}: {host['builds']} builds, "
            f"{len(host['running'])} running now"
        )


def _when(started: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started))


@converters.command()
def stop() -> None:
    """Stop the daemon (it stops LibreOffice) and the build hosts; the next build starts new ones.

    A build host stops once the builds it runs have ended."""
    from binder.convert.client import ask, kill_hung, wait_gone
    from binder.host.handoff import ask_hosts
    from binder.runtime import runtime_dir

    folder = runtime_dir()
    for host in ask_hosts(folder, "stop"):
        running = f" once its {len(host['running'])} running build(s) end" if host["running"] else ""
        click.echo(f"build host {host['pid']} stops{running}")
    answer = ask(folder, "status")
    if answer is None or ask(folder, "stop") is None:
        killed = kill_hung(folder)  # one that runs but does not answer is hung
        click.echo(f"converter daemon {killed} did not answer: killed" if killed else "no converter daemon running")
        return
    wait_gone(folder, answer["pid"])
    click.echo("converter daemon stopped")
