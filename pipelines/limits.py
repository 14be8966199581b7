"""How much of a file the engine reads, and how: the settings file, service.yaml and values
files are read as UTF-8, at most `MAX_FILE_BYTES`, or refused with one line naming the file.

A 50 MB service.yaml or a Latin-1 values file is a mistake, not a configuration; refusing it
keeps a YAML parser from spending minutes on it and a decoding error from becoming a traceback.
On `plan`'s start-up path: imports only `os`.
"""

from __future__ import annotations

import os

from pipelines.errors import ConfigError

#: 1 MiB: a hundred times the largest service.yaml or values file in this repository.
MAX_FILE_BYTES = 1024 * 1024


def check_size(size: int, shown: str) -> None:
    if size > MAX_FILE_BYTES:
        raise ConfigError(shown, None, f"{size} bytes is over the {MAX_FILE_BYTES} byte limit")


def decode(data: bytes, shown: str) -> str:
    """`data` as UTF-8, or a ConfigError naming the file and the first bad byte's offset."""
    check_size(len(data), shown)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(shown, None, f"not UTF-8 (byte {exc.start}: {exc.reason})") from None


def read_text(path: str | os.PathLike[str], shown: str) -> str:
    """The text of `path`, read as UTF-8 and at most MAX_FILE_BYTES (+1 to tell)."""
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigError(shown, None, f"cannot read: {exc.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        size = os.path.getsize(path)
        raise ConfigError(shown, None, f"{size} bytes is over the {MAX_FILE_BYTES} byte limit")
    return decode(data, shown)
