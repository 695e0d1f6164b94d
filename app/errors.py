"""Domain errors. Their messages are already translated; the view or the CLI
decides how to show them (a dialog, a marked field, one line on stderr)."""
from __future__ import annotations


class DeskError(Exception):
    """Base of every error meant for a user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(DeskError):
    """One or more fields are wrong. `fields` maps field name -> message."""

    def __init__(self, fields: dict[str, str]):
        self.fields = dict(fields)
        super().__init__("\n".join(self.fields.values()))


class NotFoundError(DeskError):
    pass


class DatabaseError(DeskError):
    """The database cannot be used (unreadable, or written by a newer version)."""
