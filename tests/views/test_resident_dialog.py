from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QInputDialog

from app.services import residents
from app.views.residents.dialog import ResidentDialog
from app.views.shared import resident_picker
from tests.views.conftest import another_desk_writing, garbage_collector_paused, settle, type_chinese


def test_new_resident_is_saved_and_selected_in_the_list(window, db, qtbot, monkeypatch):
    created = {}

    def run_dialog(self):
        created["dialog"] = self
        type_chinese(self.name_edit, "曾小梅")
        qtbot.keyClicks(self.id_edit, "35058119850315002X")
        qtbot.keyClicks(self.phone_edit, "13912345678")
        type_chinese(self.estate_edit, "龙湖嘉天下")
        self.tag_checks[next(iter(self.tag_checks))].setChecked(True)
        self.grid_combo.setCurrentIndex(1)
        self.save()
        settle(qtbot)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ResidentDialog, "exec", run_dialog)
    qtbot.mouseClick(window.tab_of("residents").add_button, Qt.MouseButton.LeftButton)
    [rid] = residents.search_ids(db, "zengxiaomei")
    d = residents.get_resident(db, rid)
    assert (d.data.gender, d.data.birth_date.isoformat(), d.data.estate) == ("F", "1985-03-15", "龙湖嘉天下")
    assert d.tag_names == ["老年人"] and d.grid_path.endswith("一组")
    assert window.tab_of("residents").search.current_id() == rid
    assert "曾小梅" in window.tab_of("residents").detail.text()


def test_missing_name_and_bad_phone_are_marked(app, db, qtbot, admin):
    dialog = ResidentDialog(db, actor=admin)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.phone_edit, "12345")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert dialog.errors.fields["name"][1].text() == "请填写居民姓名。"
    assert "11 位手机号" in dialog.errors.fields["phone"][1].text()
    assert dialog.isVisible()
    assert residents.count_residents(db) == 0


def test_deactivate_asks_why_and_hides_the_resident(window, db, registry, qtbot, monkeypatch):
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: ("已迁出", True)))
    qtbot.keyClicks(window.tab_of("residents").search.box, "clj")
    assert window.tab_of("residents").deactivate_button.text() == "停用…"
    qtbot.mouseClick(window.tab_of("residents").deactivate_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert window.tab_of("residents").search.model.rowCount() == 0
    window.tab_of("residents").inactive_check.setChecked(True)
    model = window.tab_of("residents").search.model
    assert model.index(0, 0).data() == "蔡良剑（已停用）"
    assert "已迁出" in window.tab_of("residents").detail.text()
    assert residents.get_resident(db, registry["蔡良剑"]).deactivation_reason == "已迁出"


def test_family_link_is_added_with_the_picker(app, db, registry, qtbot, monkeypatch, admin):
    def pick(self):
        qtbot.keyClicks(self.search.box, "chenan")
        self.relation_combo.setCurrentIndex(self.relation_combo.findData("guardian"))
        self.accept()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(resident_picker.ResidentPickerDialog, "exec", pick)
    dialog = ResidentDialog(db, registry["单雄信"], actor=admin)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.add_link_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert dialog.links_model.item(0).text() == "监护人：陈安  13900001111"
    [back] = residents.get_resident(db, registry["陈安"]).links
    assert (back.relative_name, back.relation) == ("单雄信", "ward")


def test_picker_refuses_the_resident_themselves(app, db, registry, qtbot):
    picker = resident_picker.ResidentPickerDialog(db, exclude_id=registry["陈安"], relations=["spouse"])
    qtbot.addWidget(picker)
    qtbot.keyClicks(picker.search.box, "chenan")
    picker.accept()
    assert picker.chosen_id is None and "不能" in picker.message.text()


def test_a_viewer_sees_a_masked_read_only_record(app, db, registry, qtbot):
    from app.services.access import VIEWER, Actor

    dialog = ResidentDialog(db, registry["蔡良剑"], actor=Actor("小林", VIEWER))
    qtbot.addWidget(dialog)
    assert dialog.id_edit.text() == "110105********002X" and dialog.phone_edit.text() == "138****5678"
    assert dialog.name_edit.isReadOnly() and not dialog.grid_combo.isEnabled()
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Save).isHidden()
    assert "1949" not in dialog.id_info.text() and "岁" in dialog.id_info.text()
    assert dialog.birth_edit.text() == "—"


def test_a_save_waits_for_another_desk_without_freezing_the_window(app, db, qtbot, admin, monkeypatch):
    """Another desk holds the database's write lock: the save waits on the worker while the
    window goes on (a timer keeps firing), and lands once the other desk lets go."""
    import time

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    from app.views import worker

    warned = []  # a "database is busy" message would mean the save gave up
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text: warned.append(text)))
    dialog = ResidentDialog(db, actor=admin)
    qtbot.addWidget(dialog)
    dialog.show()
    type_chinese(dialog.name_edit, "黄丽华")
    saved = []
    dialog.saved.connect(saved.append)
    ticks = []
    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    try:
        with garbage_collector_paused(), another_desk_writing(db):  # 1.5 s, less than the 5 s lock wait
            clicked = time.monotonic()
            qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
            returned = time.monotonic()
            assert returned - clicked < 1  # the click did not wait for the lock (a frozen one waits 5 s)
            qtbot.wait(1500)
            waiting = [t for t in ticks if t > returned]
            assert len(waiting) >= 10 and max(b - a for a, b in zip([returned, *waiting], waiting)) < 1
            assert worker.busy() and saved == [] and dialog.isVisible()  # still waiting for the lock
            assert residents.count_residents(db) == 0
    finally:
        timer.stop()
        settle(qtbot)  # even after a failure: a save still running would outlive the dialog
    [rid] = saved
    assert residents.get_resident(db, rid).data.name == "黄丽华" and not dialog.isVisible() and warned == []
