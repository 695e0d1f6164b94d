"""One small dialog for every step of the closed loop: the fields it asks for
depend on the step (who to dispatch to, how satisfied the resident was, why
it waits …). The service decides what is legal and what is missing."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QButtonGroup, QComboBox, QHBoxLayout, QPlainTextEdit, QRadioButton, QWidget

from app.db import Database
from app.i18n import N_, _, format_date
from app.services import counter
from app.services.access import Actor
from app.services.counter import ACTION_LABELS, FOLLOW_UP_METHODS, SATISFACTIONS, TicketInfo
from app.views import notices
from app.views.shared.forms import FormDialog

# What the note means for each step (the label of the note field); the service says which steps
# need one (a resolve: its result, 办理结果).
NOTE_LABELS = {
    "dispatch": N_("Instructions"),
    "start": N_("Note"),
    "resolve": N_("How it was resolved"),
    "follow_up": N_("The resident's comment"),
    "archive": N_("Note"),
    "reopen": N_("What is still to be done"),
    "escalate": N_("Why it is escalated"),
    "hold": N_("What it is waiting for"),
    "resume": N_("Note"),
}


class MoveDialog(FormDialog):
    """Asks for what `action` needs and calls counter.move; `self.result_ticket` after OK."""

    topic = notices.TICKETS

    def __init__(self, db: Database, ticket: TicketInfo, action: str, parent: QWidget | None = None, *,
                 actor: Actor):
        self.db, self.ticket, self.action, self.actor = db, ticket, action, actor
        self.result_ticket: TicketInfo | None = None
        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(90)
        fields = []
        self.assignee = None
        if action in ("dispatch", "escalate"):
            self.assignee = QComboBox()
            self.assignee.setEditable(True)
            self.assignee.addItem("")
            self.assignee.addItems(counter.assignee_choices(db))
            self.assignee.setEditText(ticket.assignee if action == "dispatch" else "")
            fields.append((_("Dispatch to") if action == "dispatch" else _("New handler (optional)"),
                           "assignee", self.assignee))
        self.satisfaction_group = self.method_group = None
        if action == "follow_up":
            self.satisfaction_group, self.satisfaction_box = _choice_row(SATISFACTIONS)
            fields.append((_("Satisfaction"), "satisfaction", self.satisfaction_box))
            self.method_group, self.method_box = _choice_row(FOLLOW_UP_METHODS)
            fields.append((_("Follow-up by"), "method", self.method_box))
        fields.append((_(NOTE_LABELS[action]), "note", self.note))
        intro = _("Ticket {number}: {requester} — {category}").format(
            number=ticket.number, requester=ticket.requester, category=ticket.category)
        if action == "escalate":
            intro += "\n" + _("The ticket goes up from {level} to {next}.").format(
                level=ticket.level_label,
                next=counter.level_label(counter.next_level(ticket.level), ticket.upper_level))
        elif action == "follow_up":
            resolution = [e.note for e in counter.ticket_history(db, ticket.id) if e.action == "resolve" and e.note]
            intro += "\n" + _("Call {phone}.").format(phone=ticket.requester_phone or "—")
            if resolution:
                intro += "\n" + _("How it was resolved: {note}").format(note=resolution[-1])
        elif action == "resume":
            due = counter.deadline_after_resume(db, ticket.id)
            if due is not None:
                intro += "\n" + _("On hold since {since}; the new deadline will be {due}.").format(
                    since=format_date(ticket.held_since), due=format_date(due))
        super().__init__(_("{action} — {number}").format(action=_(ACTION_LABELS[action]), number=ticket.number),
                         fields, parent, intro=intro, min_width=480)
        self.buttons.button(self.buttons.StandardButton.Ok).setText(_(ACTION_LABELS[action]))
        for name, group in (("satisfaction", self.satisfaction_group), ("method", self.method_group)):
            if group is not None:  # a row of choices: its error goes once one is chosen
                group.buttonToggled.connect(lambda *_args, n=name: self.errors.clear_field(n))

    def satisfaction(self) -> str | None:
        return _checked(self.satisfaction_group)

    def choose_satisfaction(self, code: str) -> None:
        _check(self.satisfaction_group, code)

    def method(self) -> str | None:
        return _checked(self.method_group)

    def choose_method(self, code: str) -> None:
        _check(self.method_group, code)

    def prepare(self):
        details = {}
        if self.assignee is not None:
            details["assignee"] = self.assignee.currentText()
        note = self.note.toPlainText()
        if self.action == "follow_up":
            details.update(satisfaction=self.satisfaction(), method=self.method(), comment=note)
        db, ticket_id, action, actor = self.db, self.ticket.id, self.action, self.actor
        return lambda: counter.move(db, ticket_id, action, actor=actor, note=note, **details)

    def saved(self, result: TicketInfo) -> None:
        self.result_ticket = result


def _choice_row(choices: dict[str, str]) -> tuple[QButtonGroup, QWidget]:
    """One radio button per code, none chosen: the person says which."""
    group = QButtonGroup(None)
    box = QWidget()
    box.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # so a missing choice is framed red
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    for code, label in choices.items():
        radio = QRadioButton(_(label))
        radio.setProperty("code", code)
        group.addButton(radio)
        row.addWidget(radio)
    row.addStretch(1)
    return group, box


def _checked(group: QButtonGroup | None) -> str | None:
    if group is None or group.checkedButton() is None:
        return None
    return group.checkedButton().property("code")


def _check(group: QButtonGroup, code: str) -> None:
    for button in group.buttons():
        button.setChecked(button.property("code") == code)
