"""``python -m binder`` and the ``binder`` command: Ctrl-C and SIGTERM are routed to binder's
handler before anything heavy is imported, so even an interrupt during start-up exits 130/143. A build goes to
the warm build host when one answers (``binder.host``), and runs here otherwise."""

import sys

from binder import interrupts
from binder.errors import Interrupted


def run() -> None:
    interrupts.install()
    try:
        from binder.host.handoff import hand_off

        status = hand_off(sys.argv[1:])  # a warm build host runs it, when one can
        if status is None:
            from binder.cli import main
    except Interrupted as exc:  # while importing or handing off: nothing has started, nothing was changed
        print(exc.message, file=sys.stderr)
        interrupts.hold_for_exit()
        sys.exit(exc.exit_code)
    if status is not None:
        sys.exit(status)
    main()


if __name__ == "__main__":
    run()
