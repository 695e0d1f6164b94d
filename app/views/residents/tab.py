"""The residents tab (居民档案): find, view, add, edit, deactivate."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QDialog, QFileDialog, QFrame, QHBoxLayout, QInputDialog, QLabel, QMenu,
                               QMessageBox, QPushButton, QScrollArea, QSplitter, QToolButton, QVBoxLayout, QWidget)

from app.db import Database
from app.errors import DeskError
from app.i18n import _, format_date, format_number
from app import features
from app.services import access, residents
from app.services.access import Actor
from app.services.residents import GENDERS, RELATIONS, age_on
from app.services.validators import mask_id_number
from app.views import notices
from app.views.residents.dialog import ResidentDialog
from app.views.worker import run_in_background
from app.views.shared import writes
from app.views.shared.forms import show_error
from app.views.shared.resident_search import ResidentSearch

WARM_AFTER_MS = 250  # after a change notice: longer than the detail pane's pause, shorter than a glance


class ResidentsTab(QWidget):
    DETAIL_PAUSE_MS = 150
    # A feature's button beside a resident (app/features.py, resident_action): the main window
    # opens that feature's tab and hands it the resident.
    resident_action = Signal(str, int)  # feature name, resident id
    # A feature's item in the detail pane was clicked (a ticket): the main window opens it in
    # that feature's tab, whose `open_item(ref)` takes it.
    item_opened = Signal(str, str)  # feature name, item reference

    def __init__(self, db: Database, notice: notices.Notices, parent: QWidget | None = None, *, actor: Actor):
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.notice = notice
        self.search = ResidentSearch(db, self)
        self.search.activated.connect(self.open_resident)
        # While typing, the detail pane (a record, its tickets, a rich-text layout: ~10 ms) waits
        # for a pause; arrows and clicks fill it at once.
        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(self.DETAIL_PAUSE_MS)
        self._detail_timer.timeout.connect(lambda: self._show_detail(self.search.current_id()))
        self._index_warmed = False
        self._notified = False  # refreshing after a change notice

        self.add_button = QPushButton(_("New resident"))
        self.add_button.setShortcut("Ctrl+N")
        self.add_button.clicked.connect(self.new_resident)
        self.open_button = QPushButton(_("Open record"))
        self.open_button.clicked.connect(lambda: self.open_resident(self.search.current_id()))
        self.action_buttons: dict[str, QPushButton] = {}
        for feature in features.FEATURES:
            if feature.resident_action is not None:
                button = QPushButton(_(feature.resident_action.label))
                button.setToolTip(_(feature.resident_action.tooltip))
                button.clicked.connect(lambda _checked=False, name=feature.name: self._act_for_current(name))
                self.action_buttons[feature.name] = button
        self.deactivate_button = QPushButton(_("Deactivate…"))
        self.deactivate_button.clicked.connect(self.toggle_active)
        self.print_button = QToolButton()
        self.print_button.setText(_("Print"))
        self.print_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.print_button)
        self.print_registration_action = menu.addAction(_("Registration form of this resident"),
                                                        self.print_registration)
        menu.addAction(_("Resident roster…"), self.print_roster)
        self.print_card_action = menu.addAction(_("Member card of this resident"),
                                                lambda: self.print_cards(selected_only=True))
        menu.addAction(_("Member cards for a group…"), lambda: self.print_cards(selected_only=False))
        self.print_button.setMenu(menu)
        self.import_button = QPushButton(_("Import…"))
        self.import_button.setToolTip(_("Import residents from an Excel ledger or CSV file"))
        self.import_button.clicked.connect(self.import_residents)
        self.export_button = QPushButton(_("Export to Excel…"))
        self.export_button.setToolTip(_("Save the residents in the list as an Excel file "
                                        "(ID numbers and phones masked)"))
        self.export_button.clicked.connect(self.export_residents)
        self.inactive_check = QCheckBox(_("Show inactive residents"))
        self.inactive_check.toggled.connect(self.search.set_include_inactive)
        # Sized once for the widest count: a label whose width followed each keystroke's count
        # re-laid out and repainted the whole window on every key (2-3x the grid's own paint).
        self.count_label = QLabel(_("{shown} found").format(shown=format_number(9_999_999)))
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.count_label.setFixedSize(self.count_label.sizeHint())
        self.count_label.clear()

        bar = QHBoxLayout()
        bar.addWidget(self.add_button)
        bar.addWidget(self.open_button)
        bar.addWidget(self.deactivate_button)
        bar.addWidget(self.print_button)
        bar.addWidget(self.import_button)
        bar.addWidget(self.export_button)
        bar.addSpacing(16)
        bar.addWidget(self.inactive_check)
        bar.addStretch(1)
        bar.addWidget(self.count_label)

        self.detail = QLabel()
        self.detail.setObjectName("residentDetail")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                            | Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.detail.linkActivated.connect(self._open_link)
        self.detail.setMinimumWidth(260)
        self.detail.setStyleSheet("QLabel#residentDetail { padding: 10px; background: #fafafa;"
                                  " border: 1px solid #dddddd; }")

        # What other features do for the selected resident sits under their details, not in the
        # top bar: one button per feature would otherwise widen the window with every new tab.
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        # In a scroll area: a long record scrolls instead of being cut, and its changing height
        # stays inside it (a bare label's new size re-laid out and repainted the whole window).
        detail_area = QScrollArea()
        detail_area.setWidget(self.detail)
        detail_area.setWidgetResizable(True)
        detail_area.setFrameShape(QFrame.Shape.NoFrame)
        detail_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side_layout.addWidget(detail_area, 1)
        for button in self.action_buttons.values():
            side_layout.addWidget(button)

        split = QSplitter()
        split.addWidget(self.search)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        self.setFocusProxy(self.search)

        self._detail_topics = {topic for f in features.FEATURES if f.resident_lines
                               for topic in (f.topic, *f.resident_topics)}
        self.search.model.modelReset.connect(self._update_count)
        notice.changed.connect(self._on_notice)
        self.search.model.search("")
        self.search.select_row(0)
        # The first record's details follow the first paint: the list is what the desk waits for.
        self.search.current_changed.connect(self._current_changed)
        self._update_buttons(self.search.current_id(), self.search.model.row_active(self.search.current_row()))
        self._detail_timer.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._index_warmed:
            # The search index (0.1 s per 26,000 residents) is built on the worker once the
            # window is up, not before its first paint: the empty list comes from SQL a page at
            # a time, and the first keystroke finds the index ready (or waits for the build under way).
            self._index_warmed = True
            QTimer.singleShot(0, self._warm_index)

    def _warm_index(self) -> None:
        run_in_background(self, lambda _progress: residents.warm_index(self.db),
                          on_error=lambda _exc: None)  # failed (database busy): the next search builds it

    def view_state(self) -> str:
        """What was typed in the search box, kept when the window is rebuilt."""
        return self.search.box.text()

    def restore_view_state(self, query: str) -> None:
        self.search.box.setText(query)
        self._show_detail(self.search.current_id())  # not typing: no pause to wait for

    def _on_notice(self, what: str) -> None:
        if what in (notices.RESIDENTS, notices.GRIDS, notices.TAGS):
            # A search patches the index with the saved rows (a millisecond); the list is painted
            # afresh at once and the detail pane after a pause, as while typing: both at once,
            # after an import, froze the window for 50 ms.
            self._notified = True
            try:
                self.search.refresh()
            finally:
                self._notified = False
            if what == notices.RESIDENTS and self._index_warmed:
                # The first letters are scanned again after a patch, and an import (or an empty
                # search box) leaves the index to rebuild: both on the worker, before the next
                # keystroke, but after the list and the detail pane are painted afresh (the rebuild
                # holding the interpreter lock made that refresh freeze the window for 50 ms).
                QTimer.singleShot(WARM_AFTER_MS, self._warm_index)
        elif what in self._detail_topics:  # the detail pane shows the features' lines of the resident
            self._detail_timer.start()

    def _update_count(self) -> None:
        shown = self.search.model.rowCount()
        self.count_label.setText(_("{shown} found").format(shown=format_number(shown)))

    # -- actions ---------------------------------------------------------------------------
    def new_resident(self) -> None:
        dialog = ResidentDialog(self.db, None, self, actor=self.actor)
        dialog.saved.connect(self._saved)
        dialog.exec()

    def open_resident(self, resident_id: int | None) -> None:
        if resident_id is None:
            return
        try:
            dialog = ResidentDialog(self.db, resident_id, self, actor=self.actor)
        except DeskError as exc:
            show_error(self, exc)
            return
        dialog.saved.connect(self._saved)
        dialog.exec()  # its saves, family links included, send their own notices

    def _open_link(self, link: str) -> None:
        feature_name, _sep, ref = link.partition(":")
        self.item_opened.emit(feature_name, ref)

    def _act_for_current(self, feature_name: str) -> None:
        rid = self.search.current_id()
        if rid is not None:
            self.resident_action.emit(feature_name, rid)

    def _saved(self, resident_id: int) -> None:
        """After the dialog's save (its notice has refreshed the list): select the resident."""
        row = self.search.model.row_of(resident_id)
        if row < 0:  # not in the current results: show it by clearing the search
            self.search.box.clear()
            row = self.search.model.row_of(resident_id)
        self.search.select_row(row)

    def toggle_active(self) -> None:
        rid = self.search.current_id()
        if rid is None:
            return
        try:
            detail = residents.get_resident(self.db, rid)
        except DeskError as exc:
            show_error(self, exc)
            return
        if detail.active:
            reasons = [_("Moved away"), _("Deceased"), _("Duplicate record"), _("Other")]
            reason, ok = QInputDialog.getItem(
                self, _("Deactivate resident"),
                _("Why is {name} no longer served? The record is kept.").format(name=detail.data.name),
                reasons, 0, True)
            if not ok:
                return
            call = lambda: residents.deactivate_resident(self.db, rid, reason, actor=self.actor)  # noqa: E731
        else:
            if QMessageBox.question(self, _("Reactivate resident"),
                                    _("Make {name} active again?").format(name=detail.data.name)) \
                    != QMessageBox.StandardButton.Yes:
                return
            call = lambda: residents.reactivate_resident(self.db, rid, actor=self.actor)  # noqa: E731
        writes.save(self, call, topic=notices.RESIDENTS, busy=self.deactivate_button)

    # -- Excel in and out -------------------------------------------------------------------------
    def import_residents(self) -> None:
        from app.views.residents.import_wizard import ImportWizard  # openpyxl loads only when needed

        ImportWizard(self.db, self, actor=self.actor).exec()  # its import sends the notice

    def export_residents(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, _("Export to Excel"), _("residents.xlsx"),
                                                    _("Excel files (*.xlsx)"))
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        query, inactive = self.search.box.text(), self.inactive_check.isChecked()
        self.export_button.setEnabled(False)

        def done(count: int) -> None:
            self.export_button.setEnabled(True)
            QMessageBox.information(self, _("Export to Excel"), _("{count} residents were saved to {path}.")
                                    .format(count=format_number(count), path=path))

        def failed(exc: Exception) -> None:
            self.export_button.setEnabled(True)
            show_error(self, exc)

        from app.services import exporter

        run_in_background(self, lambda progress: exporter.export_residents(
            self.db, path, query=query, include_inactive=inactive, actor=self.actor),
            on_done=done, on_error=failed)

    # -- printing ------------------------------------------------------------------------------
    def _preview(self, title: str, make_pdf, file_name: str) -> None:
        from app.views.shared.print_preview import preview  # QtPdf loads only when needed

        preview(self, title, make_pdf, file_name)

    # Forms load reportlab, which start-up does without.
    def print_registration(self) -> None:
        from app.services import residents_print

        rid = self.search.current_id()
        if rid is None:
            return
        self._preview(_("Resident registration form"),
                      lambda progress: residents_print.registration_pdf(self.db, rid, actor=self.actor),
                      _("registration-{id}.pdf").format(id=rid))

    def print_roster(self) -> None:
        from app.services import residents_print
        from app.views.residents.filter_dialog import ResidentFilterDialog

        dialog = ResidentFilterDialog(self.db, _("Resident roster"), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        chosen = dialog.chosen()
        self._preview(_("Resident roster"),
                      lambda progress: residents_print.roster_pdf(self.db, chosen, progress, actor=self.actor),
                      _("roster.pdf"))

    def print_cards(self, selected_only: bool) -> None:
        from app.services import residents_print
        from app.views.residents.filter_dialog import ResidentFilterDialog

        if selected_only:
            rid = self.search.current_id()
            if rid is None:
                return
            ids = [rid]
        else:
            dialog = ResidentFilterDialog(self.db, _("Member cards"), self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            ids = dialog.chosen().ids(self.db)
        self._preview(_("Member cards"),
                      lambda progress: residents_print.member_cards_pdf(self.db, ids, actor=self.actor),
                      _("member-cards.pdf"))

    # -- detail pane -----------------------------------------------------------------------------
    def _may(self, permission: str) -> bool:
        return access.may(self.actor, permission)

    def _current_changed(self, resident_id: int | None) -> None:
        self._update_buttons(resident_id, self.search.model.row_active(self.search.current_row()))
        if (self.search.typing or self._notified) and resident_id is not None:
            self._detail_timer.start()  # restarted by each keystroke
        else:
            self._show_detail(resident_id)

    def _update_buttons(self, resident_id: int | None, active: bool | None) -> None:
        # Buttons follow the signed-in person's rights; the services check again.
        self.add_button.setEnabled(self._may(access.RESIDENTS_CREATE))
        self.import_button.setEnabled(self._may(access.RESIDENTS_IMPORT))
        self.export_button.setEnabled(self._may(access.RESIDENTS_EXPORT))
        self.print_button.setEnabled(self._may(access.RESIDENTS_PRINT))
        self.deactivate_button.setEnabled(resident_id is not None and self._may(access.RESIDENTS_DEACTIVATE))
        self.print_registration_action.setEnabled(resident_id is not None)
        self.print_card_action.setEnabled(resident_id is not None)
        self.open_button.setEnabled(resident_id is not None)
        for name, button in self.action_buttons.items():
            button.setEnabled(resident_id is not None and active is not False
                              and self._may(features.feature(name).resident_action.permission))
        if active is not None:
            self.deactivate_button.setText(_("Deactivate…") if active else _("Reactivate…"))

    def _show_detail(self, resident_id: int | None) -> None:
        self._detail_timer.stop()
        if resident_id is None:
            self._update_buttons(None, None)
            self.detail.setText(_("No resident selected."))
            return
        try:
            d = residents.get_resident(self.db, resident_id)
        except DeskError:
            self._update_buttons(resident_id, None)
            self.detail.clear()
            return
        self._update_buttons(resident_id, d.active)
        data = d.data
        esc = html.escape

        def line(label: str, value: str) -> str:
            if not value:
                return ""
            return f"<tr><td style='color:#666;padding-right:8px'>{esc(label)}</td><td>{esc(value)}</td></tr>"

        age = age_on(data.birth_date)
        rows = [
            line(_("Gender"), _(GENDERS[data.gender]) if data.gender else ""),
            # Viewers see the age only: the birth date would undo the ID number's mask.
            line(_("Birth date"), format_date(data.birth_date) if self._may(access.RESIDENTS_UPDATE) else ""),
            line(_("Age"), "" if age is None else str(age)),
            line(_("ID number"), mask_id_number(data.id_number)),
            line(_("Phone"), data.phone),
            line(_("Address"), residents.format_address(data.estate, data.building, data.unit, data.room)),
            line(_("Grid"), d.grid_path),
            line(_("Tags"), "、".join(d.tag_names)),
            line(_("Member code"), d.member_code),
        ]
        links = "".join("<li>{}</li>".format(esc(_("{relation}: {name} {phone}").format(
            relation=_(RELATIONS[ln.relation][0]), name=ln.relative_name, phone=ln.relative_phone).strip()))
            for ln in d.links)
        status = ""
        if not d.active:
            inactive = _("Inactive since {date}: {reason}").format(
                date=format_date(d.deactivated_on), reason=d.deactivation_reason or "—")
            status = f"<p style='color:#c62828'>{esc(inactive)}</p>"
        family = ""
        if links:
            title = esc(_("Family and carers"))
            family = f"<p><b>{title}</b></p><ul style='margin-left:-20px'>{links}</ul>"
        notes = f"<p>{esc(data.notes)}</p>" if data.notes else ""
        for feature in features.FEATURES:  # what each feature knows of the resident, each item a link
            if feature.resident_lines:
                for line in features.resolve(feature.resident_lines)(self.db, resident_id):
                    items = "".join(f"<br><a href='{esc(feature.name)}:{esc(item.ref)}'>{esc(item.text)}</a>"
                                    for item in line.items)
                    notes += f"<p><b>{esc(line.heading)}</b>{items}</p>"
        self.detail.setText(f"<h2 style='margin:0'>{esc(data.name)}</h2>{status}"
                            f"<table>{''.join(rows)}</table>{family}{notes}")
