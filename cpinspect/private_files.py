"""Files the application writes under var/ (frames, reference vaults, uploads, keys) are for
the service's own user only: folders 0700, files 0600, whatever the process's umask (ADR 0018).
"""

from __future__ import annotations

import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(folder: Path, root: Path) -> Path:
    """Make ``folder`` and any missing parents; ``folder`` and every folder from ``root`` down
    to it (those made before this rule too) become 0700."""
    folder.mkdir(parents=True, exist_ok=True)
    root, folder = root.resolve(), folder.resolve()
    chain = [root]
    if folder.is_relative_to(root):
        for part in folder.relative_to(root).parts:
            chain.append(chain[-1] / part)
    else:
        chain = [folder]
    for each in chain:
        each.chmod(FOLDER_MODE)
    return folder


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 (emptying any file there), for a library that then
    writes it by name: the bytes never sit in a file anyone else may read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # a file that was there keeps its mode otherwise
    finally:
        os.close(fd)
    return path


def open_private(path: Path):
    """``path`` opened for binary writing, created (or emptied) with mode 0600."""
    return open(private_file(path), "wb")  # noqa: SIM115 (the caller closes it)
