"""The station's data folder is private to the user who runs the program.

Everything in it (the encrypted database and its WAL, the key slots, backups, logs, crash
reports) is encrypted or free of personal data, but none of it is anyone else's business: a
colleague on the same PC must not even copy the files to try passwords offline.

* POSIX: the folder and every folder in it ``0700``, every file ``0600``
  (:func:`secure_data_dir` at every start and setup; files the program creates are made private
  from the start with :func:`private_file` / :func:`open_private`).
* Windows: :func:`secure_data_dir` gives the folder a protected DACL (the user, SYSTEM and
  Administrators; ``app/store/winacl.py``), inherited by what is created in it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def secure_data_dir(data_dir: Path) -> None:
    """Create ``data_dir`` if needed and make it and everything in it private to the user."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if os.name == "posix":
        _posix_private_tree(data_dir)
    else:
        from app.store import winacl  # ctypes and the Win32 API: imported only on Windows

        winacl.secure_data_dir(data_dir)  # a protected DACL: the user, SYSTEM, Administrators


def _posix_private_tree(root: Path) -> None:
    with contextlib.suppress(OSError):
        os.chmod(root, DIR_MODE)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            with contextlib.suppress(OSError):
                os.chmod(os.path.join(folder, name), DIR_MODE, follow_symlinks=False)
        for name in files:
            path = os.path.join(folder, name)
            with contextlib.suppress(OSError):
                if not stat.S_ISLNK(os.lstat(path).st_mode):
                    os.chmod(path, FILE_MODE)


def private_file(path: Path) -> None:
    """Make an existing file readable and writable by its owner only (POSIX)."""
    if os.name == "posix":
        with contextlib.suppress(OSError):
            os.chmod(path, FILE_MODE)


def private_dir(path: Path) -> Path:
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if os.name == "posix":
        with contextlib.suppress(OSError):
            os.chmod(path, DIR_MODE)
    return path


def open_private(path: Path, mode: str = "wb", encoding: str | None = None):
    """``open(path, mode)`` for writing, the file created ``0600`` (no moment of 0644)."""
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0)
    flags |= os.O_APPEND if "a" in mode else os.O_TRUNC
    fd = os.open(path, flags, FILE_MODE)
    private_file(path)  # an existing file keeps its mode through os.open
    return os.fdopen(fd, mode, encoding=encoding) if "b" not in mode else os.fdopen(fd, mode)


def create_private_empty(path: Path) -> None:
    """An empty file made private before a library (SQLite) opens it; its WAL and shared-memory
    files take the same mode."""
    with open_private(path, "ab"):
        pass


#: the station's two files in its data folder (the encrypted database and its key slots)
DB_FILE = "station.db"
KEYS_FILE = "station.keys.json"


def station_files_exist(data_dir: Path) -> bool:
    """Whether ``data_dir`` holds a station (what the GUI asks before the login, without loading
    the store's code)."""
    return (Path(data_dir) / KEYS_FILE).exists() and (Path(data_dir) / DB_FILE).exists()


# A join or restore from the district writes this file into the data folder before the store
# exists and removes it when the download has finished (app/sync/join.py): such a folder must not
# be opened as a station yet.
RESTORE_MARKER = "restore-in-progress"


def unfinished_folder(data_dir: Path) -> bool:
    """Whether a join or restore into ``data_dir`` has not finished (no store code loaded)."""
    return (Path(data_dir) / RESTORE_MARKER).exists()
