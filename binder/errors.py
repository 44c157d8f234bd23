"""One exception hierarchy. The CLI turns these into messages and exit codes in one place."""

from __future__ import annotations

from binder.problems import Problem


def _rebuild(cls: type[BaseException], args: tuple, state: dict) -> BaseException:
    error = cls.__new__(cls)
    BaseException.__init__(error, *args)
    error.__dict__.update(state)
    return error


class BinderError(Exception):
    """An expected failure with a message for a person. Exit status ``exit_code``."""

    exit_code = 3

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __reduce__(self):
        # Errors cross process boundaries (the render pool); rebuild them whole, problems included,
        # whatever the subclass's __init__ takes.
        return _rebuild, (type(self), self.args, self.__dict__)


class InputError(BinderError):
    """The input (workbook, template, file argument) has errors; nothing was written."""

    exit_code = 1

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], message: str = "", source: str = "") -> None:
        self.problems = tuple(problems)
        self.source = source
        """The workbook the cell locations refer to."""
        errors = sum(1 for p in self.problems if p.is_error)
        super().__init__(message or f"{errors} error(s): nothing was written")


class FileProblem(InputError):
    """A single problem with a whole file (not a workbook, unreadable, missing)."""

    def __init__(self, path: str, message: str, hint: str = "", code: str = "bad-file") -> None:
        super().__init__([Problem.error(str(path), message, hint, code=code)], f"{path}: {message}")


class ToolError(BinderError):
    """A tool binder relies on failed (LibreOffice, signing): exit status 3."""

    exit_code = 3


class ConversionError(ToolError):
    """LibreOffice could not convert a document; ``key`` names the SOP or file."""

    def __init__(self, key: str, message: str, last_words: str = "") -> None:
        super().__init__(f"{key}: {message}" + (f" (LibreOffice said: {last_words})" if last_words else ""))
        self.key = key
        self.last_words = last_words


class SigningError(ToolError):
    """Signing or verification could not be carried out."""


class Interrupted(BaseException):
    """The build was interrupted by a signal; ``exit_code`` is 128 + signal number.

    A ``BaseException``, like ``KeyboardInterrupt``: libraries that catch ``Exception`` (pypdf's lenient
    parser, template rendering) must never swallow it."""

    def __init__(self, signum: int) -> None:
        super().__init__("interrupted: nothing was changed in the output folder")
        self.message = "interrupted: nothing was changed in the output folder"
        self.signum = signum
        self.exit_code = 128 + signum

    def __reduce__(self):
        return Interrupted, (self.signum,)
