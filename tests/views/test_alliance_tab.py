"""The merchant alliance tab, driven as the desk drives it: an application typed in (a wrong credit
code marked red at once) through the review to the window certificate; only the legal moves offered;
a complaint from a shop's page on the Complaints page; what a viewer sees; a quarter without
evaluations; a scanned certificate."""
import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from app.i18n import _, format_date
from app.services import alliance, residents
from app.services.access import VIEWER, Actor
from app.services.alliance import (APPLIED, CRITERIA, MEMBER, REVIEWING, ComplaintInput, MerchantInput, ReviewInput,
                                   ReviewItemInput)
from app.services.residents import ResidentInput
from app.services.validators import mask_phone
from app.views.alliance.dialogs import ComplaintDialog, EvaluationDialog, MerchantDialog, MoveDialog, ReviewDialog
from app.views.alliance.tab import COMPLAINTS, EVALUATIONS, AllianceTab
from app.views.notices import Notices
from tests.conftest import ADMIN
from tests.views.conftest import answer, settle, shown, type_chinese

TODAY = dt.date.today()
VALID = "91350100M000100Y43"      # GB 32100's own example
WRONG = "91350100M000100Y44"      # one character changed: the check character no longer fits


@pytest.fixture
def lists(db):
    alliance.seed(db, actor=ADMIN)


def make_tab(db, qtbot, actor=ADMIN):
    return shown(AllianceTab(db, Notices(), actor=actor), qtbot)



def click_ok(dialog) -> None:
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()


def shown_moves(tab) -> list[str]:
    buttons = {"review": tab.review_button, **tab.action_buttons}
    return [name for name, button in buttons.items() if button.isVisibleTo(tab)]


def member(db, name="老街理发店", phone="13800002222", licence="") -> int:
    """A shop admitted through the service: applied, reviewed, every criterion met."""
    mid = alliance.add_merchant(db, MerchantInput(name=name, credit_code="" if licence else VALID,
                                                  licence_number=licence, contact_name="张师傅",
                                                  contact_phone=phone, batch="第一批"), actor=ADMIN)
    alliance.move(db, mid, "start_review", actor=ADMIN)
    items = [ReviewItemInput(c.id, True) for c in alliance.list_choices(db, CRITERIA)]
    alliance.record_review(db, mid, ReviewInput(items=items), actor=ADMIN)
    return mid


def test_an_application_from_entry_through_review_to_the_certificate(app, db, lists, qtbot, monkeypatch):
    tab = make_tab(db, qtbot)
    assert tab.merchant_model.rowCount() == 0

    def fill(dialog):
        type_chinese(dialog.name_edit, "老街理发店")
        QTest.keyClicks(dialog.code_edit, WRONG.lower())
        # Whole (18 characters) and wrong: marked red at once, saying what is wrong.
        label = dialog.errors.fields["credit_code"][1]
        assert dialog.code_box.property("invalid") is True
        assert label.isVisibleTo(dialog) and label.text()
        dialog.code_edit.clear()
        QTest.keyClicks(dialog.code_edit, VALID)
        assert not dialog.code_box.property("invalid") and not label.isVisibleTo(dialog)
        type_chinese(dialog.contact_name_edit, "张师傅")
        QTest.keyClicks(dialog.contact_phone_edit, "13800002222")
        type_chinese(dialog.address_edit, "状元里12号")
        dialog.batch_combo.setEditText("第一批")
        click_ok(dialog)

    seen = answer(monkeypatch, qtbot, MerchantDialog, fill)
    tab.new_application()
    settle(qtbot)

    assert seen[0].isHidden()
    assert tab.merchant_model.texts(0) == ["老街理发店"]
    assert tab.info.row.status == APPLIED and tab.info.row.credit_code == VALID
    assert tab.heading.text() == _("{name} — applied on {date}").format(name="老街理发店", date=format_date(TODAY))
    assert VALID in tab.detail.text() and "13800002222" in tab.detail.text()
    assert shown_moves(tab) == ["start_review"]

    answer(monkeypatch, qtbot, MoveDialog, click_ok)
    tab.action_buttons["start_review"].click()
    settle(qtbot)
    assert tab.info.row.status == REVIEWING
    assert shown_moves(tab) == ["review"]

    def judge(dialog):
        click_ok(dialog)  # nothing said yet: each criterion and the decision are asked for
        assert dialog.isVisible()
        assert dialog.errors.fields["items"][1].isVisibleTo(dialog)
        assert dialog.errors.fields["decision"][1].text() == _("Please choose the decision.")
        for criterion in dialog.criteria:
            dialog.set_item(criterion.id, True)
        dialog.set_decision(alliance.ADMIT)
        click_ok(dialog)

    reviews = answer(monkeypatch, qtbot, ReviewDialog, judge)
    tab.review_button.click()
    settle(qtbot)

    assert reviews[0].isHidden()
    assert tab.info.row.status == MEMBER and tab.info.row.member_code
    assert _("Member") in tab.heading.text()
    assert "NDM:" + tab.info.row.member_code in tab.detail.text()
    assert [e.action_text for e in tab.event_model.rows] == [_("Admit"), _("Start the review"),
                                                             _("Application entered")]
    assert tab.print_certificate_action.isEnabled()

    made = []
    monkeypatch.setattr(tab, "_preview", lambda title, make_pdf, name: made.append((title, make_pdf(None), name)))
    tab.print_certificate_action.trigger()
    assert made and made[0][0] == _("Window certificate") and made[0][1].startswith(b"%PDF")


def test_only_the_legal_moves_are_offered(app, db, lists, qtbot):
    mid = member(db)
    tab = make_tab(db, qtbot)
    assert tab.merchant_id == mid and tab.info.row.status == MEMBER
    assert shown_moves(tab) == ["suspend", "leave"]  # not start_review, resume nor a second review

    tab.move("resume")  # not offered; asked anyway (a stale page): nothing opens, nothing changes
    settle(qtbot)
    assert alliance.get_merchant(db, mid, actor=ADMIN).row.status == MEMBER

    alliance.move(db, mid, "suspend", "投诉未处理", actor=ADMIN)
    tab.refresh()
    settle(qtbot)
    assert shown_moves(tab) == ["resume", "leave"]
    assert not tab.print_certificate_action.isEnabled()  # a suspended shop shows no certificate


def test_a_complaint_added_on_the_shop_s_page_shows_on_the_complaints_page(app, db, lists, qtbot, monkeypatch):
    member(db)
    tab = make_tab(db, qtbot)

    def complain(dialog):
        assert dialog.merchant_combo.currentText() == "老街理发店" and not dialog.merchant_combo.isEnabled()
        type_chinese(dialog.name_edit, "路人甲")
        type_chinese(dialog.what_edit, "理发后不给开收据")
        click_ok(dialog)

    answer(monkeypatch, qtbot, ComplaintDialog, complain)
    tab.add_own_complaint_button.click()
    settle(qtbot)

    assert tab.own_complaint_model.texts(3) == ["理发后不给开收据"]
    tab.pages.setCurrentIndex(COMPLAINTS)
    assert tab.complaint_model.texts(1) == ["老街理发店"]
    assert tab.complaint_model.texts(2) == ["路人甲"]
    assert tab.complaint_model.texts(5) == [_("Open")]
    assert tab.complaint_view.isVisibleTo(tab)
    year = str(TODAY.year)
    assert year in tab.rate_label.text() and tab.rate_label.isVisibleTo(tab)


def test_a_resident_s_complaint_from_the_residents_tab(app, db, lists, qtbot, monkeypatch):
    member(db)
    rid = residents.add_resident(db, ResidentInput(name="王芳", phone="13800001111"), actor=ADMIN)
    tab = make_tab(db, qtbot)

    def complain(dialog):
        assert dialog.person_row.resident_id == rid and dialog.name_edit.text() == "王芳"
        assert dialog.merchant_combo.isEnabled()  # the shop is chosen in the form
        dialog.merchant_combo.setCurrentIndex(dialog.merchant_combo.findText("老街理发店"))
        type_chinese(dialog.what_edit, "价格与公示不符")
        click_ok(dialog)

    answer(monkeypatch, qtbot, ComplaintDialog, complain)
    tab.for_resident(rid)
    settle(qtbot)
    assert tab.pages.currentIndex() == COMPLAINTS
    assert tab.complaint_model.texts(2) == ["王芳"]


def test_a_viewer_sees_masked_phones_and_no_moves(app, db, lists, qtbot):
    mid = member(db)
    alliance.add_complaint(db, ComplaintInput(merchant_id=mid, complainant_name="路人甲",
                                              complainant_phone="13900003333", what="态度差"), actor=ADMIN)
    tab = make_tab(db, qtbot, actor=Actor("访客", VIEWER))

    assert tab.info.row.name == "老街理发店"
    assert shown_moves(tab) == []
    assert not tab.edit_button.isVisibleTo(tab) and not tab.new_button.isVisibleTo(tab)
    assert not tab.commitments_button.isVisibleTo(tab) and not tab.add_own_complaint_button.isVisibleTo(tab)
    texts = [tab.detail.text(), *tab.merchant_model.texts(4), *tab.own_complaint_model.texts(2)]
    assert mask_phone("13800002222") in tab.detail.text()
    assert not any("13800002222" in t or "13900003333" in t for t in texts)
    assert tab.own_complaint_model.texts(1) == [_("A walk-in")]  # not the complainant's name
    assert tab.own_complaint_model.texts(2) == [""]


def test_the_ranking_of_a_quarter_without_evaluations_is_refused_plainly(app, db, lists, qtbot):
    member(db)
    tab = make_tab(db, qtbot)
    tab.pages.setCurrentIndex(EVALUATIONS)
    quarter = tab.quarter_box.currentText()

    assert tab.ranking_note.text() == _("No evaluations were recorded for {quarter}.").format(quarter=quarter)
    assert tab.ranking_note.isVisibleTo(tab) and not tab.ranking_view.isVisibleTo(tab)

    scores = {c.id: 8 for c in alliance.list_choices(db, CRITERIA)}
    alliance.record_evaluation(db, tab.merchant_id, quarter, "林燕", scores, actor=ADMIN)
    tab.refresh()
    settle(qtbot)
    assert not tab.ranking_note.isVisibleTo(tab) and tab.ranking_view.isVisibleTo(tab)
    assert tab.ranking_model.texts(1) == ["老街理发店"] and tab.ranking_model.texts(0) == ["1"]


def test_a_scanned_certificate_opens_its_shop_whatever_the_filter(app, db, lists, qtbot):
    mid = member(db)
    alliance.add_merchant(db, MerchantInput(name="新开小卖部", licence_number="JY123", contact_name="李",
                                            contact_phone="13700004444"), actor=ADMIN)
    tab = make_tab(db, qtbot)
    tab.status_combo.setCurrentIndex(tab.status_combo.findData(APPLIED))
    settle(qtbot)
    assert tab.merchant_model.texts(0) == ["新开小卖部"]
    assert _("Business licence number") in tab.detail.text() and "JY123" in tab.detail.text()

    code = alliance.get_merchant(db, mid, actor=ADMIN).row.member_code
    tab.search_box.setFocus()
    QTest.keyClicks(tab.search_box, "NDM:" + code)
    QTest.keyClick(tab.search_box, Qt.Key.Key_Return)
    settle(qtbot)
    settle(qtbot)

    assert tab.merchant_id == mid and tab.info.row.name == "老街理发店"
    assert tab.search_box.text() == ""


# -- walk-through 2 ------------------------------------------------------------------------------

def test_the_evaluation_dialog_names_the_shop_field_as_a_shop(app, db, lists, qtbot):
    dialog = EvaluationDialog(db, [], "2026-Q4", actor=ADMIN)
    qtbot.addWidget(dialog)
    form = dialog.layout().itemAt(0).layout()
    label = form.labelForField(dialog.merchant_combo)
    assert label.text() == _("Member shop") != _("Member")  # not the status word 已入盟


def test_recording_over_an_evaluator_s_earlier_scores_asks_first(app, db, lists, qtbot, monkeypatch):
    mid = member(db)
    quarter = alliance.quarter_text(TODAY.year, (TODAY.month - 1) // 3 + 1)
    scores = {c.id: 8 for c in alliance.list_choices(db, CRITERIA)}
    alliance.record_evaluation(db, mid, quarter, "林燕", scores, actor=ADMIN)
    asked = []
    assert alliance.has_evaluation(db, mid, quarter, " 林燕 ") and not alliance.has_evaluation(db, mid, quarter, "王芳")

    def refuse(parent, title, text, *args):
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", refuse)
    dialog = EvaluationDialog(db, [(mid, "老街理发店")], quarter, actor=Actor("林燕", ADMIN.role), merchant_id=mid)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_scores({c.id: 3 for c in dialog.criteria})
    click_ok(dialog)
    settle(qtbot)
    assert asked == [_("{evaluator} already scored {shop} for {quarter}; replace those scores?").format(
        evaluator="林燕", shop="老街理发店", quarter=quarter)]
    assert dialog.isVisible()  # No: nothing written, the form stays
    assert alliance.ranking(db, quarter)[0].average == 8

    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    click_ok(dialog)
    settle(qtbot)
    assert not dialog.isVisible() and alliance.ranking(db, quarter)[0].average == 3


def test_complaints_and_evaluations_offer_members_and_suspended_shops(app, db, lists, qtbot, monkeypatch):
    mid = member(db)
    paused = member(db, "暂停小店", "13800003333", "JY301")
    alliance.move(db, paused, "suspend", "整改", actor=ADMIN)
    gone = member(db, "已走小店", "13800004444", "JY302")
    alliance.move(db, gone, "leave", "搬走", actor=ADMIN)
    applied = alliance.add_merchant(db, MerchantInput(name="新开小卖部", licence_number="JY123", contact_name="李",
                                                      contact_phone="13700004444"), actor=ADMIN)
    tab = make_tab(db, qtbot)
    offered = []

    def names(dialog):
        offered.append([dialog.merchant_combo.itemText(i) for i in range(1, dialog.merchant_combo.count())])
        dialog.discard()

    answer(monkeypatch, qtbot, ComplaintDialog, names)
    answer(monkeypatch, qtbot, EvaluationDialog, names)
    tab.add_complaint(None)
    tab.record_evaluation()
    tab.add_complaint(applied)  # from that shop's own page: the shop itself is there
    assert offered[0] == offered[1] == sorted(["老街理发店", "暂停小店"])
    assert offered[2] == sorted(["老街理发店", "暂停小店", "新开小卖部"])
    assert mid and gone


def test_the_review_says_when_the_criteria_are_still_the_shipped_ones(app, db, lists, qtbot):
    mid = member(db)
    info = alliance.get_merchant(db, mid, actor=ADMIN)
    dialog = ReviewDialog(db, info, actor=ADMIN)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.placeholder_note.isVisibleTo(dialog)
    assert dialog.placeholder_note.text() and dialog.placeholder_note.isVisible()

    for criterion in alliance.list_choices(db, CRITERIA):
        alliance.rename_choice(db, CRITERIA, criterion.id, f"诚信经营{criterion.id}", actor=ADMIN,
                               description="明码标价")
    written = ReviewDialog(db, info, actor=ADMIN)
    qtbot.addWidget(written)
    written.show()
    assert not written.placeholder_note.isVisibleTo(written)


def test_opening_a_shop_from_elsewhere_leaves_the_filter_alone(app, db, lists, qtbot, monkeypatch):
    gone = member(db, "已走小店", licence="JY302")
    alliance.move(db, gone, "leave", "搬走", actor=ADMIN)
    stays = member(db, "老街理发店", "13800003333")
    tab = make_tab(db, qtbot)
    default = tab.status_combo.currentIndex()
    assert tab.merchant_model.texts(0) == ["老街理发店"]

    tab.select_merchant(gone, anywhere=True)  # e.g. a scanned certificate, "Open the shop"
    settle(qtbot)
    assert tab.status_combo.currentIndex() == default
    assert tab.info.row.id == gone and "已走小店" in tab.merchant_model.texts(0)
    assert tab.current_merchant().id == gone

    def apply(dialog):
        type_chinese(dialog.name_edit, "庄师傅快剪")
        QTest.keyClicks(dialog.code_edit, "JY9")
        dialog.kind_combo.setCurrentIndex(1)
        type_chinese(dialog.contact_name_edit, "庄")
        QTest.keyClicks(dialog.contact_phone_edit, "13700005555")
        click_ok(dialog)

    answer(monkeypatch, qtbot, MerchantDialog, apply)
    tab.new_application()
    settle(qtbot)
    assert tab.status_combo.currentIndex() == default
    assert tab.info.row.name == "庄师傅快剪"
    assert "已走小店" not in tab.merchant_model.texts(0)  # shown anyway only while it was the chosen one
    tab.status_combo.setCurrentIndex(tab.status_combo.findData(MEMBER))
    settle(qtbot)
    assert tab.merchant_model.texts(0) == ["老街理发店"] and stays


def test_errors_never_push_the_buttons_over_the_last_field(app, db, lists, qtbot):
    dialog = MerchantDialog(db, None, actor=ADMIN)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.name_edit.clear()
    click_ok(dialog)  # every required field refused at once
    settle(qtbot)
    assert dialog.errors.fields["name"][1].isVisibleTo(dialog)
    note_bottom = dialog.note_edit.mapTo(dialog, dialog.note_edit.rect().bottomLeft()).y()
    assert dialog.buttons.geometry().top() > note_bottom


def test_long_words_are_not_cut(app, db, lists, qtbot):
    from app.i18n import set_language

    set_language("en")
    try:
        tab = make_tab(db, qtbot)
        dialog = MerchantDialog(db, None, actor=ADMIN)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        wide = {tab.merchant_view: (1, "Left the alliance"), tab.event_view: (1, "Resume membership"),
                tab.complaint_view: (2, "过路的张阿姨"), tab.own_complaint_view: (1, "过路的张阿姨")}
        for view, (column, text) in wide.items():
            assert view.columnWidth(column) > view.fontMetrics().horizontalAdvance(text) + 8, text
        edit = dialog.code_edit
        assert edit.width() > edit.fontMetrics().horizontalAdvance(edit.placeholderText()) + 8
        form = dialog.layout().itemAt(0).layout()
        label = form.labelForField(dialog.code_box)
        assert label.width() >= label.sizeHint().width()  # "Credit code or licence" whole
    finally:
        set_language("zh_CN")


def test_headings_and_messages_read_naturally(app, db, lists, qtbot, monkeypatch):
    applied = alliance.add_merchant(db, MerchantInput(name="庄师傅快剪", licence_number="JY123", contact_name="庄",
                                                      contact_phone="13700005555", applied_on=TODAY), actor=ADMIN)
    tab = make_tab(db, qtbot)
    assert tab.heading.text() == _("{name} — applied on {date}").format(name="庄师傅快剪", date=format_date(TODAY))

    mid = member(db)
    tab.select_merchant(mid)
    settle(qtbot)
    assert tab.heading.text() == _("{name} — {status} since {date}").format(
        name="老街理发店", status=_("Member"), date=format_date(TODAY))
    assert format_date(TODAY) in tab.detail.text().split(_("Last review"))[1]  # the long date, as elsewhere

    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: told.append(text))
    tab.search_box.setText("NDM:ZZZZ9999")
    tab._search_entered()
    settle(qtbot)
    assert told == [_("No shop has the certificate number {code}.").format(code="NDM:ZZZZ9999")]
    assert applied


def test_averages_show_two_decimals(app):
    from app.services.alliance import RankingRow
    from app.views.alliance.model import RankingTableModel

    model = RankingTableModel()
    model.set_rows([RankingRow(1, 1, "甲", 2, 7.125, {}), RankingRow(2, 2, "乙", 1, 8.0, {})])
    assert model.texts(2) == ["7.13", "8.00"]  # not 7.12 (half to even) beside a bare 8


def test_a_shop_that_left_can_apply_again_in_a_new_batch(app, db, lists, qtbot, monkeypatch):
    mid = member(db)
    alliance.move(db, mid, "leave", "搬走", actor=ADMIN)
    tab = make_tab(db, qtbot)
    tab.select_merchant(mid, anywhere=True)
    settle(qtbot)
    assert shown_moves(tab) == ["reapply"]

    def again(dialog):
        dialog.batch_combo.setEditText("第三批")
        click_ok(dialog)

    answer(monkeypatch, qtbot, MoveDialog, again)
    tab.action_buttons["reapply"].click()
    settle(qtbot)
    assert tab.info.row.status == APPLIED and tab.info.row.batch == "第三批"
    assert shown_moves(tab) == ["start_review"]
