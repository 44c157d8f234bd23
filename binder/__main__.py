"""``python -m binder`` and the ``binder`` command: Ctrl-C and SIGTERM are routed to binder's
handler before anything heavy is imported, so even an interrupt during start-up exits 130/143."""

from binder import interrupts


def run() -> None:
    interrupts.install()
    from binder.cli import main

    main()


if __name__ == "__main__":
    run()
