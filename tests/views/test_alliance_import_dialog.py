"""The merchant-list import dialog: the preview read on the worker, the import, the rejects."""
import openpyxl
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from app.i18n import _
from app.services import alliance
from app.services.validators import credit_code_check_char
from app.views.alliance import import_dialog
from app.views.alliance.import_dialog import MerchantListImportDialog
from app.views.notices import Notices
from tests.conftest import ADMIN
from tests.services.sheets import write_xlsx
from tests.views.conftest import settle

HUIMIN = "91350582MA3X00002" + credit_code_check_char("91350582MA3X00002")


def make_list(db, tmp_path):
    alliance.seed(db, actor=ADMIN)
    kind = alliance.list_choices(db, alliance.BUSINESS_TYPES)[2]
    return write_xlsx(tmp_path / "爱心商铺名单.xlsx", [
        ["序号", "商铺名称", "统一社会信用代码", "行业", "负责人", "联系电话", "状态"],
        [1, "惠民超市", HUIMIN, kind.name, "黄国平", "13900000002", "申请"],
        [2, "坏码小店", HUIMIN[:-1] + ("1" if HUIMIN[-1] == "0" else "0"), kind.name, "张三", "13800000009", ""],
    ])


def test_a_merchant_list_is_previewed_and_imported(app, db, qtbot, tmp_path, monkeypatch):
    path = make_list(db, tmp_path)
    notices = Notices()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    opened = []
    monkeypatch.setattr(MerchantListImportDialog, "exec", lambda self: (opened.append(self), self.show()))
    returned = import_dialog.import_merchants(None, db, notices, actor=ADMIN)
    dialog = opened[0]
    assert returned is dialog
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10000)
    assert alliance.list_merchants(db) == []  # the preview wrote nothing
    assert (dialog.preview.added, dialog.preview.rejected) == (1, 1)
    assert _("Merchants to add: {n}").format(n=1) in dialog.summary.text()
    with qtbot.waitSignal(notices.changed, timeout=10000) as emitted:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert emitted.args == ["alliance"]
    assert not dialog.import_button.isEnabled()
    result = dialog.result
    assert (result.added, result.rejected) == (1, 1)
    assert _("Merchants added: {n}").format(n=1) in dialog.summary.text()
    assert str(result.rejects_file) in dialog.problems.text()
    rows = list(openpyxl.load_workbook(result.rejects_file).active.iter_rows(values_only=True))
    assert rows[1][1] == "坏码小店"
    assert [m.name for m in alliance.list_merchants(db)] == ["惠民超市"]


def test_a_file_problem_is_shown_and_nothing_can_be_imported(app, db, qtbot, tmp_path):
    bad = tmp_path / "旧名单.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    dialog = MerchantListImportDialog(db, actor=ADMIN)
    qtbot.addWidget(dialog)
    dialog.check(bad)
    settle(qtbot)
    assert "旧名单.xls" in dialog.problems.text()
    assert not dialog.import_button.isEnabled()
