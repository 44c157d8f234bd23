"""``binder watch``: rebuild at every save of the workbook, or of a template or picture it uses.

``events`` decides which file events are saves and when a burst of them is over (pure logic);
``loop`` owns the folder watcher, the LibreOffice kept running between builds, and the loop.
Sits with ``build`` in the top layer and may import every stage: it runs the whole pipeline again and again.
"""
