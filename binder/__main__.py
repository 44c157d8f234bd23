"""``python -m binder`` and the ``binder`` command: Ctrl-C and SIGTERM are routed to binder's
handler before anything heavy is imported, so even an interrupt during start-up exits 130/143."""

import sys

from binder import interrupts
from binder.errors import Interrupted


def run() -> None:
    interrupts.install()
    try:
        from binder.cli import main
    except Interrupted as exc:  # while importing: nothing has started, nothing was changed
        print(exc.message, file=sys.stderr)
        interrupts.hold_for_exit()
        sys.exit(exc.exit_code)
    main()


if __name__ == "__main__":
    run()
