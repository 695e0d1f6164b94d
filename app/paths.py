"""Where files live: bundled resources and the user's data folder.

Every resource path goes through `resource_path` so the same code works from a
source checkout and inside a PyInstaller bundle (which unpacks to sys._MEIPASS).
"""
from __future__ import annotations

import sys
from pathlib import Path

from app import APP_ID


def resources_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def data_dir() -> Path:
    """The per-user data folder (created on first use)."""
    from platformdirs import user_data_dir

    path = Path(user_data_dir(APP_ID, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_path() -> Path:
    return data_dir() / "desk.sqlite3"
