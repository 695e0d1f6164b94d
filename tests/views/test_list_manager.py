from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit

from app.errors import ValidationError
from app.views.notices import Notices
from app.views.shared.forms import FormDialog
from app.views.shared.list_manager import Action, Column, ListManagerDialog
from tests.views.conftest import settle


@dataclass
class Thing:
    id: int
    name: str
    active: bool = True
    children: list = field(default_factory=list)


def click_row(qtbot, dialog, index):
    dialog.view.scrollTo(index)
    qtbot.mouseClick(dialog.view.viewport(), Qt.MouseButton.LeftButton, pos=dialog.view.visualRect(index).center())


def manager(qtbot, things, **kwargs):
    calls = []
    notices = Notices()
    heard = []
    notices.changed.connect(heard.append)
    dialog = ListManagerDialog(
        "Things", [Column("Name", lambda t: t.name), Column("In use", lambda t: "yes" if t.active else "no")],
        lambda: list(things), key=lambda t: t.id, notices=notices, topic="things", actions=[
            Action("Add", lambda: calls.append("add")),
            Action("Edit", lambda: calls.append(("edit", dialog.current().id)), selected=True, default=True),
            Action("Retire", lambda: calls.append("retire"), selected=True, when=lambda t: t.active),
        ], **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog, calls, heard


def test_the_buttons_follow_the_chosen_row(app, qtbot):
    things = [Thing(1, "one"), Thing(2, "two", active=False)]
    dialog, calls, _heard = manager(qtbot, things)
    add, edit, retire = dialog.action_buttons
    assert add.isEnabled() and not edit.isEnabled() and not retire.isEnabled()  # nothing chosen yet
    click_row(qtbot, dialog, dialog.model.index(0, 1))
    assert dialog.current().id == 1 and edit.isEnabled() and retire.isEnabled()
    click_row(qtbot, dialog, dialog.model.index(1, 0))
    assert edit.isEnabled() and not retire.isEnabled()  # already retired
    qtbot.mouseDClick(dialog.view.viewport(), Qt.MouseButton.LeftButton,
                      pos=dialog.view.visualRect(dialog.model.index(1, 0)).center())
    assert calls == [("edit", 2)]  # double-click edits
    qtbot.mouseClick(retire, Qt.MouseButton.LeftButton)
    assert calls == [("edit", 2)]  # a disabled button does nothing


def test_the_chosen_row_is_kept_by_id_after_a_reload(app, qtbot):
    things = [Thing(1, "one"), Thing(2, "two"), Thing(3, "three")]
    dialog, _calls, _heard = manager(qtbot, things)
    click_row(qtbot, dialog, dialog.model.index(1, 0))
    things.insert(0, Thing(4, "four"))  # another desk added a row before it
    dialog.reload()
    assert dialog.current().id == 2 and dialog.view.currentIndex().row() == 2
    things[:] = [t for t in things if t.id != 2]  # and then removed it
    dialog.reload()
    assert dialog.current() is None and not dialog.action_buttons[1].isEnabled()
    dialog.reload(select=3)
    assert dialog.current().id == 3


def test_a_write_sends_its_notice_then_reloads_and_chooses_the_new_row(app, qtbot):
    things = [Thing(1, "one")]
    dialog, _calls, heard = manager(qtbot, things)

    def add():
        things.append(Thing(7, "seven"))
        return 7

    dialog.write(add, select=lambda new_id: new_id)
    assert not dialog.bar.isEnabled()  # the actions wait while the save runs
    settle(qtbot)
    assert dialog.changed and heard == ["things"] and dialog.bar.isEnabled()
    assert dialog.model.rows == [("one", "yes"), ("seven", "yes")] and dialog.current().id == 7


def test_a_refused_write_changes_nothing(app, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    dialog, _calls, heard = manager(qtbot, [Thing(1, "one")])
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda p, t, text: shown.append(text)))

    def refuse():
        raise ValidationError({"name": "No."})

    dialog.write(refuse)
    settle(qtbot)
    assert shown == ["No."] and not dialog.changed and heard == []


class NameDialog(FormDialog):
    topic = "things"

    def __init__(self, things, parent):
        self.things = things
        self.name_edit = QLineEdit()
        super().__init__("Name", [("Name", "name", self.name_edit)], parent)

    def prepare(self):
        name, things = self.name_edit.text(), self.things

        def add():
            if not name:
                raise ValidationError({"name": "A name, please."})
            things.append(Thing(len(things) + 1, name))
            return len(things)

        return add


def test_an_editor_saves_through_the_same_path_and_the_list_follows(app, qtbot, monkeypatch):
    things = [Thing(1, "one")]
    dialog, _calls, heard = manager(qtbot, things)

    def fill(self):
        qtbot.mouseClick(self.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
        settle(qtbot)
        assert self.errors.fields["name"][1].text() == "A name, please." and not dialog.changed
        qtbot.keyClicks(self.name_edit, "two")
        qtbot.mouseClick(self.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
        settle(qtbot)
        return self.result()

    monkeypatch.setattr(NameDialog, "exec", fill)
    dialog.edit_with(NameDialog(things, dialog), select=lambda new_id: new_id)
    assert dialog.changed and heard == ["things"] and dialog.current().name == "two"


def test_a_tree_keeps_its_open_branches_and_the_chosen_row(app, qtbot):
    tree = [Thing(1, "village", children=[Thing(2, "grid", children=[Thing(3, "group")])]),
            Thing(4, "town")]
    dialog, _calls, _heard = manager(qtbot, tree, children=lambda t: t.children)
    assert dialog.items() == [tree[0], tree[0].children[0], tree[0].children[0].children[0], tree[1]]
    assert dialog.select(3)  # opens its parents
    group = dialog.view.currentIndex()
    assert group.data() == "group" and dialog.view.isExpanded(group.parent())
    assert dialog.action_buttons[1].isEnabled()
    tree[0].children[0].children.append(Thing(5, "group two"))
    dialog.reload()
    current = dialog.view.currentIndex()
    assert dialog.current().id == 3 and dialog.view.isExpanded(current.parent())
    assert dialog.model.rowCount(current.parent()) == 2
