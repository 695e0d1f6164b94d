"""Another desk's writes reach this window within seconds (views/other_desks.py): a second Database
on the same database stands for the other desk."""
import pytest

from app.db import open_database
from app.services import counter, residents
from app.services.counter import CategoryInput
from app.services.residents import ResidentInput
from app.views import other_desks
from app.views.main_window import MainWindow
from tests.conftest import ADMIN
from tests.views.conftest import settle


@pytest.fixture
def other(db):
    database = open_database(db.engine.url.render_as_string(hide_password=False), quick_check=False)
    yield database
    database.dispose()


@pytest.fixture
def quick(monkeypatch):
    monkeypatch.setattr(other_desks, "POLL_MS", 100)


def test_kinds_of_record_map_to_topics():
    assert other_desks.topics_of(["resident", "ticket", "daycare_meal", "points_voucher", "merchant"]) == {
        "residents", "tickets", "daycare", "points", "alliance"}
    assert other_desks.topics_of(["staff"]) == set()
    assert other_desks.topics_of(["resident", "something_new"]) == set(other_desks.all_topics())


def test_another_desks_new_resident_appears_in_the_open_tab(quick, app, db, registry, ui_settings, qtbot, other):
    win = MainWindow(db, ui_settings, actor=ADMIN)
    qtbot.addWidget(win)
    win.show()
    grid = win.tab_of("residents").search.model
    qtbot.waitUntil(lambda: grid.rowCount() == 4)
    qtbot.waitUntil(lambda: win.other_desks.cursor is not None)
    residents.add_resident(other, ResidentInput(name="林小红"), actor=ADMIN)
    qtbot.waitUntil(lambda: grid.rowCount() == 5, timeout=5000)
    settle(qtbot)


def test_only_other_desks_writes_send_notices(quick, app, db, ui_settings, qtbot, other):
    win = MainWindow(db, ui_settings, actor=ADMIN)
    qtbot.addWidget(win)
    heard: list[str] = []
    win.notice.changed.connect(heard.append)
    qtbot.waitUntil(lambda: win.other_desks.cursor is not None)
    residents.add_resident(db, ResidentInput(name="张三"), actor=ADMIN)  # this desk's own write
    category = counter.add_category(other, CategoryInput("社保", "centre", 5), actor=ADMIN)
    qtbot.waitUntil(lambda: bool(heard), timeout=5000)
    assert heard == ["catalogue"]
    counter.receive_ticket(other, counter.TicketInput(category_id=category, description="咨询社保",
                                                      walk_in_name="陈阿姨", walk_in_phone="13812345678"),
                           actor=ADMIN)
    qtbot.waitUntil(lambda: len(heard) > 1, timeout=5000)
    assert heard == ["catalogue", "tickets"]
    settle(qtbot)


def test_a_stale_resident_form_is_refused_and_stays_open(app, db, registry, qtbot, other, english):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDialogButtonBox

    from app.views.residents.dialog import ResidentDialog

    rid = registry["陈安"]
    dialog = ResidentDialog(db, rid, actor=ADMIN)
    qtbot.addWidget(dialog)
    dialog.show()
    meanwhile = residents.get_resident(other, rid).data
    meanwhile.phone = "13900002222"
    residents.update_resident(other, rid, meanwhile, actor=ADMIN)  # the other desk saves first
    dialog.notes_edit.setPlainText("腿脚不便")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert dialog.isVisible() and "another desk" in dialog.errors.general.text()
    assert residents.get_resident(db, rid).data.phone == "13900002222"
