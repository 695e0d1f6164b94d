from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from app.services import centre, grids, tags
from app.views.settings import centre_dialog
from app.views.settings.centre_dialog import CentreDialog
from app.views.settings.grids_dialog import GridEditDialog, GridsDialog
from app.views.settings.tags_dialog import TagDialog, TagsDialog
from tests.views.conftest import settle, type_chinese


def test_centre_details_are_edited_and_shown_in_the_title(window, db, qtbot, monkeypatch):
    def fill(self):
        self.name_edit.clear()
        type_chinese(self.name_edit, "莲坂村党建+邻里中心")
        self.phone_edit.clear()
        qtbot.keyClicks(self.phone_edit, "12")
        qtbot.mouseClick(self.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
        settle(qtbot)
        assert "座机" in self.errors.fields["phone"][1].text()  # bad phone: marked, not saved
        self.phone_edit.clear()
        qtbot.keyClicks(self.phone_edit, "059588881234")
        qtbot.mouseClick(self.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
        settle(qtbot)
        return self.result()

    monkeypatch.setattr(CentreDialog, "exec", fill)
    centre_dialog.edit_centre(window)  # the title follows the CENTRE notice the save sends
    assert centre.get_centre(db).phone == "0595-88881234"
    assert window.windowTitle() == "莲坂村党建+邻里中心 — 邻里中心前台"


def test_grids_dialog_shows_the_tree_and_adds_a_sub_grid(app, db, registry, qtbot, monkeypatch, admin):
    dialog = GridsDialog(db, actor=admin)
    qtbot.addWidget(dialog)
    model = dialog.model
    root = model.index(0, 0)
    assert root.data() == "莲坂村"
    grid = model.index(0, 0, root)
    assert (grid.data(), model.index(0, 1, root).data()) == ("第一网格", "林燕")
    dialog.view.setCurrentIndex(grid)

    def fill(self):
        type_chinese(self.name_edit, "二组")
        type_chinese(self.worker_edit, "陈伟")
        self.accept()
        settle(qtbot)
        return self.result()

    monkeypatch.setattr(GridEditDialog, "exec", fill)
    dialog.add_grid()
    assert dialog.changed
    assert [name for _id, name in grids.sub_grid_choices(db)] == ["第一网格 / 一组", "第一网格 / 二组"]
    assert dialog.current().name == "二组"  # the new grid is chosen, its parents opened


def naming_the_tag(qtbot, name: str):
    """A TagDialog.exec that types `name` and saves, as a person would."""
    def name_it(self):
        type_chinese(self.name_edit, name)
        self.accept()
        settle(qtbot)
        return self.result()
    return name_it


def test_tags_dialog_adds_and_retires(app, db, registry, qtbot, monkeypatch, admin):
    dialog = TagsDialog(db, actor=admin)
    qtbot.addWidget(dialog)
    assert dialog.model.index(0, 0).data() == "老年人（0 人）"

    monkeypatch.setattr(TagDialog, "exec", naming_the_tag(qtbot, "楼栋长"))
    dialog.add()
    last = dialog.model.rowCount() - 1
    assert dialog.model.index(last, 0).data() == "楼栋长（0 人）"
    dialog.view.setCurrentIndex(dialog.model.index(last, 0))
    dialog.toggle()
    settle(qtbot)
    assert dialog.model.index(last, 0).data() == "楼栋长（0 人） — 已停用"
    assert "楼栋长" not in [t.name for t in tags.list_tags(db)]


def test_a_duplicate_tag_is_marked_beside_its_name_and_the_editor_stays_open(app, db, registry, qtbot, admin):
    dialog = TagsDialog(db, actor=admin)
    qtbot.addWidget(dialog)
    editor = TagDialog(db, None, dialog, actor=admin)
    qtbot.addWidget(editor)
    editor.show()
    type_chinese(editor.name_edit, "老年人")
    qtbot.mouseClick(editor.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert "老年人" in editor.errors.fields["name"][1].text() and editor.isVisible()
    assert not dialog.changed


def test_settings_dialogs_send_their_notice_once_saved(window, db, qtbot, monkeypatch):
    from app.views.settings import tags_dialog

    heard = []
    window.notice.changed.connect(heard.append)

    monkeypatch.setattr(TagDialog, "exec", naming_the_tag(qtbot, "楼栋长"))
    monkeypatch.setattr(TagsDialog, "exec", lambda self: self.add())
    tags_dialog.edit_tags(window)
    assert heard == ["tags"]


def test_every_settings_window_is_titled_like_its_menu_entry(window, monkeypatch):
    """Settings → 审计日志… must not open a window called 操作日志: the names are the same, in Chinese
    and in English."""
    from PySide6.QtWidgets import QDialog, QInputDialog

    titles = []
    monkeypatch.setattr(QDialog, "exec", lambda self: titles.append(self.windowTitle()) or 0)
    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(
        lambda parent, title, *args, **kwargs: titles.append(title) or (0, False)))
    for language in ("zh_CN", "en"):
        window.switch_language(language)
        settings = window.menuBar().actions()[1].menu()
        entries = [a for a in settings.actions() if not a.isSeparator()]
        assert len(entries) >= 9
        for entry in entries:
            titles.clear()
            entry.trigger()
            assert titles == [entry.text().removesuffix("…")], entry.text()
