"""Stage 6, binders and training packs, both through one path (``issuing``): plans (``plan``),
keep-or-re-issue (``reissue``), front and back matter (``front``, ``changes_page``), assembly with
pikepdf (``assemble``), the training record (``record``) and signing as the last write.

May import: every lower stage (base modules, workbook, document, convert, signing, output);
never ``binder.build`` or the CLI.
"""
