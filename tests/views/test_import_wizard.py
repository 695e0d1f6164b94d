from openpyxl import Workbook, load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWizard

from app.services import residents
from app.views.residents.import_wizard import ImportWizard
from tests.views.conftest import settle


def ledger(path):
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号码", "联系电话", "小区", "楼栋", "备注", "经办人"])
    ws.append(["蔡良剑", "11010519491231002X", "13812345678", "宝源花园", "3", "独居", "林"])
    ws.append(["王秀英", "", "0595-88881234", "宝源花园", "3", "", "林"])
    ws.append(["错号码", "110105194912310021", "", "龙湖嘉天下", "", "", "林"])
    wb.save(path)
    return path


def test_walk_the_import_wizard_from_file_to_summary(app, db, qtbot, tmp_path, admin):
    source = ledger(tmp_path / "台账.xlsx")
    wizard = ImportWizard(db, actor=admin)
    qtbot.addWidget(wizard)
    wizard.show()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    wizard.file_page.path_edit.setText(str(source))
    wizard.next()
    # The file is read on the worker; the page says so and waits, then moves on by itself.
    assert wizard.currentPage() is wizard.file_page and wizard.file_page.busy.isVisible()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    settle(qtbot)
    assert wizard.currentPage() is wizard.mapping_page
    assert not wizard.file_page.busy.isVisible()
    combos = wizard.mapping_page.combos
    assert combos[0].currentData() == "name" and combos[1].currentData() == "id_number"
    assert combos[6].currentData() is None  # 经办人 is not a resident field
    assert wizard.mapping_page.table.model().index(0, 0).data() == "蔡良剑"
    wizard.next()
    page = wizard.check_page
    qtbot.waitUntil(lambda: page.done, timeout=20000)
    assert "新增居民：2" in page.result_label.text() and "有误的行：1" in page.result_label.text()
    assert residents.count_residents(db) == 0  # the check changes nothing
    wizard.next()
    qtbot.waitUntil(lambda: wizard.run_page.done, timeout=20000)
    assert residents.count_residents(db) == 2
    rejects = tmp_path / "台账-错误清单.xlsx"
    assert str(rejects) in wizard.run_page.result_label.text()
    rows = list(load_workbook(rejects).active.values)
    assert rows[1][0] == "错号码" and "校验码" in rows[1][-1]


def test_a_file_that_is_not_a_spreadsheet_is_refused_on_the_first_page(app, db, qtbot, tmp_path, admin):
    bad = tmp_path / "photo.xlsx"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    wizard = ImportWizard(db, actor=admin)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path_edit.setText(str(bad))
    wizard.next()
    settle(qtbot)
    assert wizard.currentPage() is wizard.file_page
    assert wizard.file_page.error.text()
    assert wizard.file_page.path_edit.isEnabled() and wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_export_button_saves_the_list_masked(window, qtbot, tmp_path, monkeypatch):
    target = tmp_path / "导出"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    told = []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda parent, title, text: told.append(text)))
    qtbot.keyClicks(window.tab_of("residents").search.box, "clj")
    qtbot.mouseClick(window.tab_of("residents").export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(told), timeout=20000)
    rows = list(load_workbook(tmp_path / "导出.xlsx").active.values)
    assert len(rows) == 2 and rows[1][0] == "蔡良剑"
    assert "110105********002X" in rows[1] and "138****5678" in rows[1]
    assert told == [f"1 名居民已保存到 {tmp_path / '导出.xlsx'}。"]
