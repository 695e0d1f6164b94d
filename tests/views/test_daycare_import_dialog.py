"""The day-care tab's ledger import: the button, the preview read on the worker, the import."""
import openpyxl
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from app.i18n import _
from app.services import daycare, residents
from app.services.access import VIEWER, Actor
from app.services.residents import ResidentInput
from app.services.validators import check_char
from app.views.daycare import import_dialog
from app.views.daycare.import_dialog import LedgerImportDialog
from app.views.daycare.tab import DaycareTab
from app.views.notices import Notices
from tests.conftest import ADMIN
from tests.services.sheets import write_xlsx
from tests.views.conftest import settle

ID_CHEN = "35058119400101002" + check_char("35058119400101002")


def make_ledger(db, tmp_path):
    daycare.add_choice(db, daycare.DIETS, "软食", actor=ADMIN)
    daycare.add_choice(db, daycare.SUBSIDIES, "标准", actor=ADMIN)
    residents.add_resident(db, ResidentInput(name="陈阿婆", id_number=ID_CHEN), actor=ADMIN)
    residents.add_resident(db, ResidentInput(name="黄伯", phone="13800000004"), actor=ADMIN)
    return write_xlsx(tmp_path / "花名册.xlsx", [
        ["序号", "姓名", "身份证号码", "联系电话", "护理等级", "饮食", "星期", "健康状况"],
        [1, "陈阿婆", ID_CHEN, "", "半失能", "软食", "一三五", "糖尿病"],
        [2, "黄伯", "", "13800000004", "自理", "", "周一至周五", ""],
        [3, "赵某", "", "13811112222", "自理", "", "", ""],
    ])


def test_the_elders_page_imports_a_ledger(app, db, qtbot, tmp_path, monkeypatch):
    path = make_ledger(db, tmp_path)
    notices = Notices()
    tab = DaycareTab(db, notices, actor=ADMIN)
    qtbot.addWidget(tab)
    tab.show()
    settle(qtbot)
    button = next(b for b in tab.findChildren(type(tab.enrol_button)) if b.text() == _("Import a day-care ledger…"))
    assert button.isEnabled()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    opened = []
    monkeypatch.setattr(LedgerImportDialog, "exec", lambda self: (opened.append(self), self.show()))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = opened[0]
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10000)
    dialog_done = {"preview": dialog.preview, "summary": dialog.summary.text()}
    assert daycare.list_elders(db) == []  # the preview wrote nothing
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(notices.changed, timeout=10000) as emitted:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    dialog_done.update(topic=emitted.args, result=dialog.result, problems=dialog.problems.text())
    assert not dialog.import_button.isEnabled()

    preview = dialog_done["preview"]
    assert (preview.enrolled, preview.rejected) == (2, 1)
    assert _("To enrol: {n}").format(n=2) in dialog_done["summary"]
    assert "健康状况" in dialog_done["summary"]  # named as not imported
    assert dialog_done["topic"] == ["daycare"]
    result = dialog_done["result"]
    assert (result.enrolled, result.rejected) == (2, 1)
    assert "赵某" in dialog_done["problems"] and str(result.rejects_file) in dialog_done["problems"]
    rows = list(openpyxl.load_workbook(result.rejects_file).active.iter_rows(values_only=True))
    assert rows[1][1] == "赵某"
    assert {e.name for e in daycare.list_elders(db)} == {"陈阿婆", "黄伯"}
    qtbot.waitUntil(lambda: tab.elders_model.rowCount() == 2, timeout=10000)  # the tab reloaded


def test_a_file_problem_is_shown_and_nothing_can_be_imported(app, db, qtbot, tmp_path):
    bad = tmp_path / "旧台账.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    dialog = LedgerImportDialog(db, actor=ADMIN)
    qtbot.addWidget(dialog)
    dialog.check(bad)
    settle(qtbot)
    assert "旧台账.xls" in dialog.problems.text()
    assert not dialog.import_button.isEnabled()


def test_a_role_that_may_not_enrol_gets_no_import(app, db, qtbot):
    tab = DaycareTab(db, Notices(), actor=Actor("访客", VIEWER))
    qtbot.addWidget(tab)
    assert not import_dialog.import_button(tab).isEnabled()
