"""The overview tab (概览): today at a glance. A few large figures (elders in, children in class,
service requests open / overdue / due today), this week's activities and the alerts, each opening
the feature's tab that shows the list behind it (`open_feature(feature, filter)`; the main window
switches tabs). Read on the worker (services/overview.py) when shown, after every change notice
(debounced: a scan burst reads once) and every minute (the clock moves what is due and who is late)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.db import Database
from app.i18n import _, format_date, format_number
from app.services import access, overview
from app.services.access import Actor
from app.views import notices
from app.views.shared.widgets import push_button
from app.views.worker import run_in_background

REFRESH_MS = 60 * 1000  # the clock moves: due today, still here after the end time
DEBOUNCE_MS = 500  # notices come in bursts (a scan, another desk's import): one read after them
RED, AMBER = "#b71c1c", "#8d6e00"  # the project's alert colours (views/shared/tables.py)
COLOURS = {overview.RED: RED, overview.AMBER: AMBER}
TILE_STYLE = """
QFrame#tile { border: 1px solid #d6d6d6; border-radius: 8px; background: palette(base); }
QFrame#tile:hover, QFrame#tile:focus { border: 1px solid #6d8fb5; }
QFrame#tile[alert="red"] { border: 1px solid #b71c1c; background: #fdf3f2; }
QFrame#tile[alert="amber"] { border: 1px solid #8d6e00; background: #fcf7e6; }
QFrame#alert { border: none; border-left: 5px solid #b71c1c; background: #fdf3f2; border-radius: 3px; }
QFrame#alert[severity="amber"] { border-left: 5px solid #8d6e00; background: #fcf7e6; }
QFrame#alert:hover, QFrame#alert:focus { background: #f6e3e0; }
QFrame#alert[severity="amber"]:hover, QFrame#alert[severity="amber"]:focus { background: #f6edcc; }
"""


class _Clickable(QFrame):
    """A frame that opens something: clicked with the mouse, or Enter / Space when it has the focus."""

    clicked = Signal()

    def __init__(self, name: str):
        super().__init__()
        self.setObjectName(name)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
            return
        super().keyPressEvent(event)


class Tile(_Clickable):
    """One figure: the number large, what it counts under it."""

    def __init__(self):
        super().__init__("tile")
        self.figure: overview.Figure | None = None
        self.number = QLabel("–")
        self.number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel()
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: #444444; font-size: 14px")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 14, 12, 14)
        layout.addWidget(self.number)
        layout.addWidget(self.caption)
        self.setMinimumSize(170, 118)

    def show_figure(self, figure: overview.Figure) -> None:
        self.figure = figure
        self.number.setText(format_number(figure.value))
        colour = COLOURS.get(figure.alert, "#222222")
        self.number.setStyleSheet(f"font-size: 40px; font-weight: 600; color: {colour}")
        self.caption.setText(figure.label)
        self.setToolTip(_("Open the list behind this figure"))
        self.setProperty("alert", figure.alert)
        self.setStyleSheet(self.styleSheet())  # the property changed: the style sheet applies again


class AlertRow(_Clickable):
    def __init__(self, alert: overview.Alert):
        super().__init__("alert")
        self.alert = alert
        self.setProperty("severity", alert.severity)
        text = QLabel(alert.text)
        text.setWordWrap(True)
        text.setStyleSheet(f"color: {COLOURS.get(alert.severity, RED)}; font-size: 14px")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(text, 1)
        arrow = QLabel("›")
        arrow.setStyleSheet("color: #777777; font-size: 18px")
        layout.addWidget(arrow)


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: bold; font-size: 15px")
    return label


class OverviewTab(QWidget):
    # (feature name, that tab's filter or ""): the main window opens the tab (MainWindow.open_feature)
    open_feature = Signal(str, str)

    def __init__(self, db: Database, notice: notices.Notices, parent: QWidget | None = None, *, actor: Actor,
                 clock: Callable[[], dt.datetime] = dt.datetime.now):
        super().__init__(parent)
        self.db, self.notice, self.actor, self.clock = db, notice, actor, clock
        self.current: overview.Overview | None = None
        self._fetches = 0  # reads asked for: only the latest one is shown
        self._stale = False  # something changed while the tab was hidden
        self.setStyleSheet(TILE_STYLE)

        self.title = QLabel()
        self.title.setStyleSheet("font-size: 18px; font-weight: bold")
        self.updated = QLabel()
        self.updated.setStyleSheet("color: #666666")
        self.monthly_button = push_button(_("Monthly report…"), lambda: self.open_report("monthly"),
                                          _("The month's work report for the town: preview, print, save as Excel"))
        self.annual_button = push_button(_("Annual report…"), lambda: self.open_report("annual"))
        for button in (self.monthly_button, self.annual_button):
            button.setEnabled(access.may(actor, access.REPORTS_MAKE))
            button.setAutoDefault(False)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addSpacing(12)
        top.addWidget(self.updated)
        top.addStretch(1)
        top.addWidget(self.monthly_button)
        top.addWidget(self.annual_button)

        self.tiles: dict[str, Tile] = {}
        self.tile_grid = QGridLayout()
        self.tile_grid.setSpacing(14)

        self.alerts_box = QVBoxLayout()
        self.alerts_box.setSpacing(6)
        self.week_box = QVBoxLayout()
        self.week_box.setSpacing(4)
        self.week_heading = _heading(_("This week's activities"))
        lower = QHBoxLayout()
        lower.setSpacing(28)
        alerts_column = QVBoxLayout()
        alerts_column.setSpacing(8)
        alerts_column.addWidget(_heading(_("Needs attention")))
        alerts_column.addLayout(self.alerts_box)
        alerts_column.addStretch(1)
        week_column = QVBoxLayout()
        week_column.setSpacing(8)
        week_column.addWidget(self.week_heading)
        week_column.addLayout(self.week_box)
        week_column.addStretch(1)
        lower.addLayout(alerts_column, 3)
        lower.addLayout(week_column, 2)

        self.status = QLabel()
        self.status.setStyleSheet("color: #666666")
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(16)
        layout.addLayout(top)
        layout.addLayout(self.tile_grid)
        layout.addLayout(lower, 1)
        layout.addWidget(self.status)
        scroll = QScrollArea()  # a small screen scrolls instead of squeezing the tiles
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._due)
        # A bound method, not a lambda: Qt drops the connection when the tab is deleted (a rebuild
        # after a restore or a new sign-in), while the notices object lives on.
        notice.changed.connect(self._changed)
        self._minute = QTimer(self)
        self._minute.setInterval(REFRESH_MS)
        self._minute.timeout.connect(self._due)
        self._minute.start()
        self._show_title(clock())
        self.refresh()

    # -- loading -----------------------------------------------------------------------------------
    def _changed(self, _topic: str) -> None:
        self._debounce.start()

    def _due(self) -> None:
        """A change or the minute: read now if shown, else when next shown (a hidden overview
        rebuilding its lists after every save of an import costs the window a frame for nothing)."""
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.refresh()

    def refresh(self) -> None:
        """Read today's overview on the worker; a newer read overtakes an older one."""
        self._fetches += 1
        asked, db, actor, at = self._fetches, self.db, self.actor, self.clock()

        def arrived(result: overview.Overview) -> None:
            if asked == self._fetches:
                self.show_overview(result)

        def failed(exc: Exception) -> None:
            if asked == self._fetches:  # a busy database: the figures stay, the next minute reads again
                self.status.setText(_("The figures could not be read just now: {error}").format(error=exc))

        run_in_background(self, lambda _progress: overview.today(db, actor=actor, today=at),
                          on_done=arrived, on_error=failed)

    def _show_title(self, at: dt.datetime) -> None:
        self.title.setText(_("Today, {date}").format(date=format_date(at.date(), _("EEEE, MMMM d"))))

    def show_overview(self, o: overview.Overview) -> None:
        self.current = o
        self._show_title(o.at)
        self.updated.setText(_("as of {time}").format(time=o.at.strftime("%H:%M")))
        self.status.setText("")
        for number, figure in enumerate(o.figures):
            tile = self.tiles.get(figure.key)
            if tile is None:
                tile = self.tiles[figure.key] = Tile()
                tile.clicked.connect(lambda t=tile: self._open(t.figure.feature, t.figure.filter))
                self.tile_grid.addWidget(tile, 0, number)
            tile.show_figure(figure)
        self._show_alerts(o.alerts)
        self._show_week(o)

    @staticmethod
    def _clear(box: QVBoxLayout) -> None:
        while box.count():
            widget = box.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()

    def _show_alerts(self, alerts: list[overview.Alert]) -> None:
        self._clear(self.alerts_box)
        self.alert_rows: list[AlertRow] = []
        for alert in alerts:
            row = AlertRow(alert)
            row.setToolTip(_("Open the list"))
            row.clicked.connect(lambda a=alert: self._open(a.feature, a.filter))
            self.alert_rows.append(row)
            self.alerts_box.addWidget(row)
        if not alerts:
            calm = QLabel(_("Nothing needs attention."))
            calm.setStyleSheet("color: #1b5e20; font-size: 14px")
            self.alerts_box.addWidget(calm)

    def _show_week(self, o: overview.Overview) -> None:
        self._clear(self.week_box)
        self.week_heading.setVisible(o.activities_available)
        if not o.activities_available:
            return
        if not o.activities_this_week:
            none = QLabel(_("No activities recorded this week."))
            none.setStyleSheet("color: #666666; font-size: 14px")
            self.week_box.addWidget(none)
            return
        for day, title in o.activities_this_week:
            row = _Clickable("week")
            row.setToolTip(_("Open the activity ledger"))
            row.clicked.connect(lambda: self._open("activities", ""))
            layout = QHBoxLayout(row)
            layout.setContentsMargins(2, 3, 2, 3)
            when = QLabel(format_date(day, _("EEE, MMM d")))
            when.setStyleSheet("color: #555555; font-size: 14px" + ("; font-weight: bold" if day == o.at.date()
                                                                    else ""))
            when.setMinimumWidth(110)
            what = QLabel(title)
            what.setStyleSheet("font-size: 14px")
            what.setWordWrap(True)
            layout.addWidget(when)
            layout.addWidget(what, 1)
            self.week_box.addWidget(row)

    # -- going elsewhere -----------------------------------------------------------------------------
    def _open(self, feature: str, filter_code: str) -> None:
        self.open_feature.emit(feature, filter_code)

    def open_report(self, kind: str) -> None:
        from app.views.overview.report_dialog import ReportDialog

        ReportDialog(self.db, self, actor=self.actor, kind=kind, today=self.clock().date()).exec()
