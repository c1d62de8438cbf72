"""Reading a file a step, or the user, could have put anything at: a symlink to a file only
this process may read, a FIFO that would block the open for ever, gigabytes."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class NotARegularFile(OSError):
    """The path is a directory, a FIFO, a device or a socket, not a file."""


def read_untrusted(path: Path, limit: int) -> bytes:
    """At most `limit` bytes of the regular file `path`, opened without following a symlink
    (ELOOP) or waiting for a FIFO's writer; NotARegularFile when it is anything else."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise NotARegularFile(f"{path} is not a regular file")
    os.set_blocking(descriptor, True)
    with os.fdopen(descriptor, "rb") as file:
        return file.read(limit)
