"""The intranet site: ``OUT/site/``, static HTML made with Jinja from the SOPs' template context.

``pages`` writes it into the staging folder (``build_site``; for ``--pack`` it carries the previous
one over), ``context`` turns ``binder.document.context.sop_context`` into what a web page shows,
``assets`` places flowcharts and pictures, ``search`` writes the search index.

May import ``binder.document`` (the context, labels, flowcharts), ``binder.output`` (document keys,
the manifest), ``binder.issue.plan`` (what the binders and packs hold) and the layers below; only
``binder.build`` imports it.
"""
