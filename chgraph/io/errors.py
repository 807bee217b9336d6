"""One kind of error for bad files: a one-line ``ValueError`` naming the file."""

from __future__ import annotations

import contextlib

__all__ = ["reading", "reason"]

#: Errors about the file system (missing file, directory, permission) pass unchanged.
PASS_THROUGH = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)


def reason(exc: BaseException) -> str:
    """The first line of an exception's message, prefixed with its type.

    Examples
    --------
    >>> reason(ValueError("bad header\\nline 2: more detail"))
    'ValueError: bad header'
    >>> reason(KeyError("label")), reason(RuntimeError())
    ("KeyError: 'label'", 'RuntimeError')
    """
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


@contextlib.contextmanager
def reading(path: str, what: str):
    """Turn any failure to parse ``path`` into ``ValueError("<path>: <problem>")``.

    ``ValueError`` messages are kept (prefixed with the path); other exceptions (parser
    errors of networkx, XML, zip, ...) become "not a readable <what> file (<reason>)".

    Examples
    --------
    >>> with reading("net.gml", "GML"):
    ...     raise KeyError("label")
    Traceback (most recent call last):
    ...
    ValueError: net.gml: not a readable GML file (KeyError: 'label')
    >>> with reading("net.gml", "GML"):
    ...     raise ValueError("no layers")
    Traceback (most recent call last):
    ...
    ValueError: net.gml: no layers
    """
    try:
        yield
    except PASS_THROUGH:
        raise
    except ValueError as exc:
        message = " ".join(str(exc).split())
        if message.startswith(path):
            raise
        raise ValueError(f"{path}: {message}") from None
    except Exception as exc:  # noqa: BLE001 - parsers raise many kinds of errors
        raise ValueError(f"{path}: not a readable {what} file ({reason(exc)})") from None
