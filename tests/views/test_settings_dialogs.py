from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QInputDialog

from app.services import centre, grids, tags
from app.views.settings.centre_dialog import CentreDialog
from app.views.settings.grids_dialog import GridEditDialog, GridsDialog
from app.views.settings.tags_dialog import TagsDialog
from tests.views.conftest import type_chinese


def test_centre_details_are_edited_and_shown_in_the_title(window, db, qtbot, monkeypatch):
    def fill(self):
        self.name_edit.clear()
        type_chinese(self.name_edit, "莲坂村党建+邻里中心")
        self.phone_edit.clear()
        qtbot.keyClicks(self.phone_edit, "12")
        qtbot.mouseClick(self.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
        assert "座机" in self.errors.fields["phone"][1].text()  # bad phone: marked, not saved
        self.phone_edit.clear()
        qtbot.keyClicks(self.phone_edit, "059588881234")
        qtbot.mouseClick(self.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
        return self.result()

    monkeypatch.setattr(CentreDialog, "exec", fill)
    window.edit_centre()
    assert centre.get_centre(db).phone == "0595-88881234"
    assert window.windowTitle() == "莲坂村党建+邻里中心 — 邻里中心前台"


def test_grids_dialog_shows_the_tree_and_adds_a_sub_grid(app, db, registry, qtbot, monkeypatch, admin):
    dialog = GridsDialog(db, actor=admin)
    qtbot.addWidget(dialog)
    root = dialog.model.item(0, 0)
    assert root.text() == "莲坂村"
    grid = root.child(0, 0)
    assert (grid.text(), root.child(0, 1).text()) == ("第一网格", "林燕")
    dialog.tree.setCurrentIndex(grid.index())

    def fill(self):
        type_chinese(self.name_edit, "二组")
        type_chinese(self.worker_edit, "陈伟")
        self.accept()
        return self.result()

    monkeypatch.setattr(GridEditDialog, "exec", fill)
    dialog.add_grid()
    assert dialog.changed
    assert [name for _id, name in grids.sub_grid_choices(db)] == ["第一网格 / 一组", "第一网格 / 二组"]


def test_tags_dialog_adds_and_retires(app, db, registry, qtbot, monkeypatch, admin):
    dialog = TagsDialog(db, actor=admin)
    qtbot.addWidget(dialog)
    assert dialog.model.item(0).text() == "老年人（0 人）"
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("楼栋长", True)))
    dialog.add()
    last = dialog.model.rowCount() - 1
    assert dialog.model.item(last).text() == "楼栋长（0 人）"
    dialog.view.setCurrentIndex(dialog.model.index(last, 0))
    dialog.toggle()
    assert dialog.model.item(last).text() == "楼栋长（0 人） — 已停用"
    assert "楼栋长" not in [t.name for t in tags.list_tags(db)]
