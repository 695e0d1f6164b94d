"""The volunteer points tab, driven as the desk drives it: a service typed in (the points shown before
saving) through a voucher issued and then redeemed by scanning its slip; a voucher refused for too few
points with nothing written; three participants at once; a reversal from the statement (and its refusal
once the points are spent); what the desk and a viewer do not get."""
import datetime as dt

import pytest
from app.i18n import _
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.services import alliance, points, residents
from app.services.access import DESK, VIEWER, Actor
from app.services.alliance import CRITERIA, MerchantInput, ReviewInput, ReviewItemInput
from app.services.points import (ENTRY_KINDS, HOUR, OCCASION, REDEEMED, REVERSE, VOUCHER_STATUSES, EarnInput,
                                 VoucherTypeInput, points_text)
from app.services.validators import mask_phone
from app.views.notices import Notices
from app.views.points.dialogs import IssueDialog, RedeemDialog, ReverseDialog
from app.views.points.tab import BALANCES, PointsTab, minutes_of
from tests.conftest import ADMIN
from tests.views.conftest import answer, settle, shown

TODAY = dt.date.today()
DESK_ACTOR = Actor("前台小李", DESK)


@pytest.fixture
def kinds(db):
    """Two kinds of service: 10 points an hour, 20 an occasion."""
    return (points.add_service_type(db, "环境整治", HOUR, 10, actor=ADMIN),
            points.add_service_type(db, "邻里调解", OCCASION, 20, actor=ADMIN))


def member(db, name="老街理发店") -> int:
    alliance.seed(db, actor=ADMIN)
    mid = alliance.add_merchant(db, MerchantInput(name=name, credit_code="91350100M000100Y43", contact_name="张师傅",
                                                  contact_phone="13800002222"), actor=ADMIN)
    alliance.move(db, mid, "start_review", actor=ADMIN)
    items = [ReviewItemInput(c.id, True) for c in alliance.list_choices(db, CRITERIA)]
    alliance.record_review(db, mid, ReviewInput(items=items), actor=ADMIN)
    return mid


def voucher_type(db, name="洗衣粉", cost=20, merchant_id=None, stock=None) -> int:
    return points.add_voucher_type(db, VoucherTypeInput(name=name, merchant_id=merchant_id, points=cost, stock=stock,
                                                        valid_from=TODAY - dt.timedelta(days=30),
                                                        valid_to=TODAY + dt.timedelta(days=60)), actor=ADMIN)


def make_tab(db, qtbot, actor=ADMIN):
    return shown(PointsTab(db, Notices(), actor=actor), qtbot)



def click_ok(dialog) -> None:
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()


def card(db, resident_id) -> str:
    return "ND:" + residents.get_resident(db, resident_id).member_code


def scan(qtbot, box, text) -> None:
    box.setFocus()
    QTest.keyClicks(box, text)
    QTest.keyClick(box, Qt.Key.Key_Return)
    settle(qtbot)


def test_hours_are_typed_as_h_mm():
    assert minutes_of("2:30") == 150
    assert minutes_of("2：05") == 125
    assert minutes_of("1.5") == 90
    assert minutes_of("2:75") is None
    assert minutes_of("abc") is None


def test_from_earning_to_a_voucher_redeemed_by_scanning_its_slip(app, db, registry, kinds, qtbot, monkeypatch):
    shop = member(db)
    tid = voucher_type(db, "理发券", 20, merchant_id=shop)
    rid = registry["蔡良剑"]
    tab = make_tab(db, qtbot)
    assert "还没有" in tab.heading.text() or tab.balance_model.rowCount() == 0

    tab.pages.setCurrentWidget(tab.earn_page)
    scan(qtbot, tab.scan_box, card(db, rid))
    assert tab.participant_model.texts(0) == ["蔡良剑"]
    tab.type_combo.setCurrentIndex(tab.type_combo.findData(kinds[0]))
    QTest.keyClicks(tab.hours_edit, "2:30")
    qtbot.wait(200)
    settle(qtbot)
    assert points_text(25) in tab.preview_label.text()  # 10 an hour × 2.5 h, before anything is saved
    assert points.balance(db, rid) == 0
    tab.earn_button.click()
    settle(qtbot)
    assert points.balance(db, rid) == 25
    assert "蔡良剑" in tab.earn_result.text()
    assert tab.participant_model.rowCount() == 0

    tab.select_resident(rid)
    settle(qtbot)
    assert tab.pages.currentIndex() == BALANCES
    assert tab.balance_model.texts(0) == ["蔡良剑"]
    assert points_text(25) in tab.heading.text()
    assert tab.statement_model.texts(5) == ["25"]

    printed = []
    monkeypatch.setattr(PointsTab, "print_slip", lambda self, code=None: printed.append(code))

    def issue(dialog):
        assert dialog.resident_label.text() == "蔡良剑"
        dialog.type_combo.setCurrentIndex(dialog.type_combo.findData(tid))
        assert points_text(5) in dialog.sum_label.text()  # 25 − 20 left
        click_ok(dialog)

    answer(monkeypatch, qtbot, IssueDialog, issue)
    tab.issue_for_button.click()
    settle(qtbot)
    assert points.balance(db, rid) == 5
    [voucher] = points.list_vouchers(db)
    assert printed == [voucher.code]
    assert tab.voucher_model.texts(0) == [voucher.code]

    def redeem(dialog):
        # The centre by default (a merchant's slip handed in at the counter is not used up by one click);
        # recording a slip the shop brought back, the desk chooses the shop.
        assert dialog.where_combo.currentData() is None
        assert "蔡良剑" in dialog.detail.text() and "理发券" in dialog.detail.text()
        dialog.where_combo.setCurrentIndex(dialog.where_combo.findData(shop))
        click_ok(dialog)

    seen = answer(monkeypatch, qtbot, RedeemDialog, redeem)
    tab.pages.setCurrentIndex(tab.pages.count() - 1)
    scan(qtbot, tab.redeem_box, voucher.payload.lower())
    assert len(seen) == 1
    assert points.find_voucher(db, voucher.code).status == REDEEMED
    settle(qtbot)
    assert tab.voucher_model.rowCount() == 0  # the filter shows those not yet used

    def again(dialog):  # the same slip once more: said plainly, nothing to click
        assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
        assert _(VOUCHER_STATUSES[REDEEMED]) in dialog.state.text()
        dialog.reject()

    answer(monkeypatch, qtbot, RedeemDialog, again)
    scan(qtbot, tab.redeem_box, voucher.payload)


def test_issuing_with_too_few_points_is_refused_and_nothing_is_written(app, db, registry, kinds, qtbot, monkeypatch):
    rid = registry["陈安"]
    points.earn(db, EarnInput(resident_id=rid, service_type_id=kinds[0], minutes=30), actor=ADMIN)  # 5 points
    tid = voucher_type(db, "大米", 20, stock=3)
    tab = make_tab(db, qtbot, DESK_ACTOR)

    def issue(dialog):
        dialog.type_combo.setCurrentIndex(dialog.type_combo.findData(tid))
        assert _("{name} has {balance}; this voucher costs {cost}.").format(
            name="陈安", balance=points_text(5), cost=points_text(20)) in dialog.sum_label.text()
        click_ok(dialog)
        settle(qtbot)
        assert dialog.isVisible()  # refused: the form stays with the message
        shown = [label.text() for _w, label in dialog.errors.fields.values() if label.isVisibleTo(dialog)]
        assert any(points_text(5) in text and points_text(20) in text for text in shown)
        dialog.discard()

    answer(monkeypatch, qtbot, IssueDialog, issue)
    tab.issue_for_button.click()
    settle(qtbot)
    assert points.balance(db, rid) == 5
    assert points.list_vouchers(db) == []
    assert points.list_voucher_types(db)[0].stock == 3


def test_a_list_of_three_participants_earns_at_once(app, db, registry, kinds, qtbot):
    tab = make_tab(db, qtbot, DESK_ACTOR)
    tab.pages.setCurrentWidget(tab.earn_page)
    people = [registry[name] for name in ("蔡良剑", "单雄信", "陈安")]
    for rid in people:
        scan(qtbot, tab.scan_box, card(db, rid))
    scan(qtbot, tab.scan_box, card(db, people[0]))  # scanned twice: listed once
    assert tab.participant_model.rowCount() == 3
    assert tab.participant_model.texts(1)[0] == mask_phone("13812345678")  # the desk sees masked phones
    tab.type_combo.setCurrentIndex(tab.type_combo.findData(kinds[1]))
    assert tab.occasions_spin.isVisible() and not tab.hours_edit.isVisible()
    tab.occasions_spin.setValue(2)
    qtbot.wait(200)
    settle(qtbot)
    assert points_text(40) in tab.preview_label.text() and points_text(120) in tab.preview_label.text()
    tab.earn_button.click()
    settle(qtbot)
    assert [points.balance(db, rid) for rid in people] == [40, 40, 40]
    assert points.balance(db, registry["陈良"]) == 0
    assert tab.balance_model.rowCount() == 3


def test_a_reversal_from_the_statement_and_its_refusal_once_the_points_are_spent(app, db, registry, kinds, qtbot,
                                                                                 monkeypatch):
    rid, other = registry["单雄信"], registry["陈良"]
    points.earn(db, EarnInput(resident_id=rid, service_type_id=kinds[1], occasions=1), actor=ADMIN)  # 20
    points.earn(db, EarnInput(resident_id=other, service_type_id=kinds[1], occasions=1), actor=ADMIN)
    points.issue_voucher(db, other, voucher_type(db, "大米", 20), actor=ADMIN)  # other's points are spent

    desk = make_tab(db, qtbot, DESK_ACTOR)
    assert not desk.reverse_button.isVisibleTo(desk)

    tab = make_tab(db, qtbot)
    tab.select_resident(rid)
    settle(qtbot)
    assert tab.reverse_button.isVisibleTo(tab)
    tab.statement_view.selectRow(0)
    assert tab.reverse_button.isEnabled()

    def reverse(dialog):
        click_ok(dialog)  # no reason: asked for
        assert dialog.isVisible()
        dialog.reason_edit.setText("记错了人")
        click_ok(dialog)

    answer(monkeypatch, qtbot, ReverseDialog, reverse)
    tab.reverse_button.click()
    settle(qtbot)
    assert points.balance(db, rid) == 0
    assert tab.statement_model.rowCount() == 2
    kinds_shown = tab.statement_model.texts(2)
    assert kinds_shown[0] == _(ENTRY_KINDS[REVERSE])
    assert kinds_shown[1] == _("{kind} (reversed)").format(kind=_(ENTRY_KINDS[points.EARN]))
    tab.statement_view.selectRow(1)
    assert not tab.reverse_button.isEnabled()  # an entry is reversed once

    tab.select_resident(other)
    settle(qtbot)
    tab.statement_view.selectRow(1)  # the earn, under the voucher
    assert tab.current_entry().kind == points.EARN

    def refused(dialog):
        dialog.reason_edit.setText("重复登记")
        click_ok(dialog)
        settle(qtbot)
        assert dialog.isVisible()
        texts = [dialog.errors.general.text()] + [label.text() for _w, label in dialog.errors.fields.values()]
        assert any(points_text(0) in t for t in texts if t), texts  # the balance left is named
        dialog.discard()

    answer(monkeypatch, qtbot, ReverseDialog, refused)
    tab.reverse_button.click()
    settle(qtbot)
    assert points.balance(db, other) == 0
    assert len(points.statement(db, other).entries) == 2


def test_a_viewer_sees_masked_phones_and_no_write_buttons(app, db, registry, kinds, qtbot):
    rid = registry["蔡良剑"]
    points.earn(db, EarnInput(resident_id=rid, service_type_id=kinds[1], occasions=1), actor=ADMIN)
    voucher_type(db)
    tab = make_tab(db, qtbot, Actor("来访者", VIEWER))
    assert tab.balance_model.texts(1) == [mask_phone("13812345678")]
    assert tab.pages.indexOf(tab.earn_page) < 0
    for button in (tab.reverse_button, tab.earn_for_button, tab.issue_for_button, tab.issue_button,
                   tab.slip_button):
        assert not button.isVisibleTo(tab)
    assert not tab.redeem_box.isVisibleTo(tab)
