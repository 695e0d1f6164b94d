"""The after-school class-list import dialog: the preview read on the worker, the import, the waiting list."""
import datetime as dt

import openpyxl
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from app.i18n import _
from app.services import afterschool, residents
from app.services.afterschool import ClassInput
from app.services.residents import ResidentInput
from app.services.validators import check_char
from app.views.afterschool import import_dialog
from app.views.afterschool.import_dialog import ClassListImportDialog
from app.views.notices import Notices
from tests.conftest import ADMIN
from tests.services.sheets import write_xlsx
from tests.views.conftest import settle

ID_MING = "35058120180301001" + check_char("35058120180301001")
ID_HONG = "35058120170512002" + check_char("35058120170512002")


def make_list(db, tmp_path):
    ids = {name: residents.add_resident(db, ResidentInput(name=name, id_number=number, phone=phone), actor=ADMIN)
           for name, number, phone in (("陈小明", ID_MING, ""), ("林小红", ID_HONG, ""), ("陈建国", "", "13900000009"),
                                       ("林美玲", "", "13700000001"))}
    residents.link_family(db, ids["陈小明"], ids["陈建国"], "guardian", actor=ADMIN)
    residents.link_family(db, ids["林小红"], ids["林美玲"], "guardian", actor=ADMIN)
    afterschool.seed(db, actor=ADMIN)
    today = dt.date.today()
    class_id = afterschool.add_class(db, ClassInput(
        name="书法兴趣班", type_id=afterschool.list_choices(db)[0].id, term_start=today - dt.timedelta(days=30),
        term_end=today + dt.timedelta(days=90), start_time=dt.time(16, 30), end_time=dt.time(17, 30), capacity=1),
        actor=ADMIN)
    signed = today - dt.timedelta(days=3)
    path = write_xlsx(tmp_path / "书法班花名册.xlsx", [
        ["序号", "姓名", "身份证号码", "年级", "监护人", "监护人电话", "与孩子关系", "知情同意书日期"],
        [1, "陈小明", ID_MING, "二年级", "陈建国", "", "父亲", signed],
        [2, "林小红", ID_HONG, "三年级", "林美玲", "", "母亲", signed],
        [3, "赵某", "", "一年级", "赵大", "13811112222", "父亲", signed],
    ])
    return class_id, path


def test_a_class_list_is_previewed_and_imported(app, db, qtbot, tmp_path, monkeypatch):
    class_id, path = make_list(db, tmp_path)
    notices = Notices()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    opened = []
    monkeypatch.setattr(ClassListImportDialog, "exec", lambda self: (opened.append(self), self.show()))
    returned = import_dialog.import_class_list(None, db, notices, class_id, actor=ADMIN)
    dialog = opened[0]
    assert returned is dialog
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10000)
    preview, summary = dialog.preview, dialog.summary.text()
    assert afterschool.class_list(db, class_id, actor=ADMIN) == []  # the preview wrote nothing
    assert (preview.enrolled, preview.waiting, preview.rejected) == (1, 1, 1)
    assert _("To put on the waiting list: {n}").format(n=1) in summary
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(notices.changed, timeout=10000) as emitted:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert emitted.args == ["afterschool"]
    assert not dialog.import_button.isEnabled()
    result = dialog.result
    assert (result.enrolled, result.waiting, result.rejected) == (1, 1, 1)
    assert "赵某" in dialog.problems.text() and str(result.rejects_file) in dialog.problems.text()
    assert _("Put on the waiting list: {n}").format(n=1) in dialog.summary.text()
    rows = list(openpyxl.load_workbook(result.rejects_file).active.iter_rows(values_only=True))
    assert rows[1][1] == "赵某"
    listed = {r.name: r.status for r in afterschool.class_list(db, class_id, actor=ADMIN)}
    assert listed == {"陈小明": afterschool.ENROLLED, "林小红": afterschool.WAITING}


def test_a_file_problem_is_shown_and_nothing_can_be_imported(app, db, qtbot, tmp_path):
    class_id, _path = make_list(db, tmp_path)
    bad = tmp_path / "旧名单.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    dialog = ClassListImportDialog(db, class_id, actor=ADMIN)
    qtbot.addWidget(dialog)
    dialog.check(bad)
    settle(qtbot)
    assert "旧名单.xls" in dialog.problems.text()
    assert not dialog.import_button.isEnabled()
