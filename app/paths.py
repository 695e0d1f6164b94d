"""Where files live: bundled resources and the user's data folder; names and URIs that
are safe on Windows.

Every resource path goes through `resource_path` so the same code works from a
source checkout and inside a PyInstaller bundle (which unpacks to sys._MEIPASS).
Paths are joined with pathlib only (never "/" in a string), so a Windows path such as
C:\\Users\\林燕\\AppData\\Local\\Programs\\NeighbourhoodDesk\\_internal works as it is;
tests/test_paths.py runs these helpers with Windows paths.
"""
from __future__ import annotations

import os
import re
import stat
import sys
import unicodedata
from pathlib import Path, PurePath
from urllib.parse import quote

from app import APP_ID


def resources_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def data_folder() -> Path:
    """The per-user data folder, without creating it: %LOCALAPPDATA%\\NeighbourhoodDesk on
    Windows, ~/.local/share/NeighbourhoodDesk on Linux. installer/NeighbourhoodDesk.iss names
    the same folder (its uninstaller leaves it alone); a test keeps the two in step."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_ID, appauthor=False))


def data_dir() -> Path:
    """The per-user data folder (created on first use), readable by the user only: it holds the
    database, backups and the log. On POSIX an older folder open to others is closed; on
    Windows the user's profile already keeps others out (docs/WINDOWS.md)."""
    path = data_folder()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name != "nt":
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                path.chmod(mode & 0o700)
        except OSError:  # not ours to change (a shared folder set up by an administrator)
            pass
    return path


def default_database_path() -> Path:
    return data_dir() / "desk.sqlite3"


def sqlite_url(path: str | PurePath) -> str:
    """The database address of a SQLite file (here, not in app.db: the sign-in dialog opens before
    the database stack is imported, views/gui.py)."""
    # SQLAlchemy percent-decodes a URL's database part: a folder named "100%41" or "a?b" is escaped.
    return "sqlite:///" + str(Path(path).expanduser().resolve()).replace("%", "%25").replace("?", "%3F")


def sqlite_file_uri(path: str | PurePath) -> str:
    """A `file:` URI for SQLite (`sqlite3.connect(uri + "?mode=ro", uri=True)`).

    `Path.as_uri()` writes a Windows network path \\\\server\\share\\desk.sqlite3 as
    file://server/share/desk.sqlite3, and SQLite as Python ships it refuses "server" as a
    URI authority; with the authority left empty (file:////server/share/desk.sqlite3) the
    Windows VFS opens the share. A drive path becomes file:///C:/...; every character but
    "/" and the drive's ":" is percent-encoded, so Chinese names, spaces, %, # and ? survive.
    A relative path is made absolute first.
    """
    if not isinstance(path, PurePath) or isinstance(path, Path):
        path = Path(path).absolute()
    text = path.as_posix()
    if not text.startswith("/"):
        text = "/" + text  # /C:/...: SQLite drops the slash before a drive letter
    return "file://" + quote(text, safe="/:")


# Windows refuses these characters in a file name, and every ASCII control character.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
# Device names, with or without an extension (NUL.pdf, con .txt), in any case; the
# superscript digits count too (COM¹). As Python 3.13's ntpath.isreserved.
_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
                      | {f"{device}{digit}" for device in ("COM", "LPT") for digit in "123456789\u00b9\u00b2\u00b3"})
MAX_FILE_NAME = 120  # characters; Windows allows 255 per name but 260 for a whole path by default


def safe_file_name(text: str, default: str = "file") -> str:
    """`text` made into a file name that Windows (and every other system) accepts.

    For default names built from data (a resident's name, a ticket number): each run of
    <>:"/\\|?* or control characters becomes "_", trailing dots and spaces go, a device
    name (CON, NUL.pdf, com1.xlsx …) gets a "_" in front, and a very long name is cut
    before its extension. Chinese characters are kept. An empty result gives `default`.
    """
    name = unicodedata.normalize("NFC", text or "")
    name = _FORBIDDEN.sub("_", name).strip(" ").rstrip(". ")
    if len(name) > MAX_FILE_NAME:
        stem, dot, suffix = name.rpartition(".")
        if dot and 0 < len(suffix) <= 10 and stem:
            name = stem[:MAX_FILE_NAME - len(suffix) - 1].rstrip(". ") + "." + suffix
        else:
            name = name[:MAX_FILE_NAME].rstrip(". ")
    if not name:
        return default
    if name.partition(".")[0].rstrip(" ").upper() in _RESERVED:
        name = "_" + name
    return name
