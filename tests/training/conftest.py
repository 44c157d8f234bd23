"""The pipeline's builds without LibreOffice (``support/pipeline.py``): ``converters``, ``built_once``, ``built``."""

from pipeline import built, built_once, converters  # noqa: F401 - fixtures for the tests in this folder
