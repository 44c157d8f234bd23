"""The warm build host: ``binder build`` without Python's start-up and binder's imports.

A one-SOP rebuild spends about a third of its time starting Python and importing binder, its templates'
engines and its PDF libraries. The host is a resident process of the user's (like the converter daemon,
and stopped with it) that has done all of that once and forks a process per build. ``handoff.py`` is the
``binder`` command's side (standard library only: it runs before anything is imported), ``server.py`` the
host's, ``wire.py`` the messages between them. This is the top layer: the host runs the command line.
"""
