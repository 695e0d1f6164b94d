"""The grid and status-line look the feature tabs (day care, after-school) share."""
from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView


def table_view(model, *, stretch: bool = True, wrap: bool = True) -> QTableView:
    """A read-only grid of whole rows, one selected at a time; `stretch` widens the last column."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(wrap)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 12)
    header = view.horizontalHeader()
    header.setStretchLastSection(stretch)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return view


def select_row(view: QTableView, row: int) -> None:
    """Make `row` the current, selected row and scroll to it (nothing for -1)."""
    if row >= 0:
        index = view.model().index(row, 0)
        view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        view.scrollTo(index)


def scan_colours(came: str, went: str, ignored: str, refused: str) -> dict[str, tuple[str, str]]:
    """A scan's status line colours (background, text) by the feature's outcome names, and "hint"."""
    return {
        came: ("#e3f4e1", "#1b5e20"),
        went: ("#e3eefb", "#0d47a1"),
        ignored: ("#fff4cc", "#7a5200"),
        refused: ("#fde0dc", "#b71c1c"),
        "hint": ("#f5f5f5", "#555555"),
    }
