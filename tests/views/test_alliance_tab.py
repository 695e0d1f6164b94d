"""The merchant alliance tab, driven as the desk drives it: an application typed in (a wrong credit
code marked red at once) through the review to the window certificate; only the legal moves offered;
a complaint from a shop's page on the Complaints page; what a viewer sees; a quarter without
evaluations; a scanned certificate."""
import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.i18n import _
from app.services import alliance, residents
from app.services.access import VIEWER, Actor
from app.services.alliance import (APPLIED, CRITERIA, MEMBER, REVIEWING, ComplaintInput, MerchantInput, ReviewInput,
                                   ReviewItemInput)
from app.services.residents import ResidentInput
from app.services.validators import mask_phone
from app.views.alliance.dialogs import ComplaintDialog, MerchantDialog, MoveDialog, ReviewDialog
from app.views.alliance.tab import COMPLAINTS, EVALUATIONS, AllianceTab
from app.views.notices import Notices
from tests.conftest import ADMIN
from tests.views.conftest import settle, type_chinese

TODAY = dt.date.today()
VALID = "91350100M000100Y43"      # GB 32100's own example
WRONG = "91350100M000100Y44"      # one character changed: the check character no longer fits


@pytest.fixture
def lists(db):
    alliance.seed(db, actor=ADMIN)


def make_tab(db, qtbot, actor=ADMIN):
    tab = AllianceTab(db, Notices(), actor=actor)
    qtbot.addWidget(tab)
    tab.resize(1366, 720)
    tab.show()
    qtbot.waitExposed(tab)
    settle(qtbot)  # the first load runs on the worker
    return tab


def answer(monkeypatch, qtbot, dialog_class, act):
    """Replace a dialog's exec(): show it, let `act(dialog)` fill it in and click, wait for the save."""
    seen = []

    def run(dialog):
        dialog.show()
        seen.append(dialog)
        act(dialog)
        settle(qtbot)
        return dialog.result()

    monkeypatch.setattr(dialog_class, "exec", run)
    return seen


def click_ok(dialog) -> None:
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()


def shown_moves(tab) -> list[str]:
    buttons = {"review": tab.review_button, **tab.action_buttons}
    return [name for name, button in buttons.items() if button.isVisibleTo(tab)]


def member(db, name="老街理发店", phone="13800002222") -> int:
    """A shop admitted through the service: applied, reviewed, every criterion met."""
    mid = alliance.add_merchant(db, MerchantInput(name=name, credit_code=VALID, contact_name="张师傅",
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
    assert "老街理发店" in tab.heading.text() and _("Applied") in tab.heading.text()
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
    assert [e.action_text for e in tab.event_model.rows] == [_("Admit"), _("Start the review")]
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
    assert tab.own_complaint_model.texts(2) == [mask_phone("13900003333")]


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
