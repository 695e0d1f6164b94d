"""Per-desk interface preferences (language, window geometry) in an ini file
beside the default database. These are not centre data, so not in the database."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings


def open_ui_settings(path: Path | None = None) -> QSettings:
    if path is None:
        from app.paths import data_dir

        path = data_dir() / "desk.ini"
    return QSettings(str(path), QSettings.Format.IniFormat)
