"""Day-care forms: the sign-in sheet (签到表), the kitchen order (厨房订餐单), the month's meal
bills (助餐账单) and the month's summary for the funder (日间照料月报). Data in, PDF out: the
data comes from services/daycare_print.py. Health notes are never on these forms."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Table, TableStyle

from app.i18n import _, format_date, format_number
from app.reports import toolkit
from app.reports.toolkit import FONT, Letterhead
from app.services.daycare import CARE_LEVELS, MEALS, DaycareFigures, KitchenOrder, MealBill, MonthSummary, \
    format_money

BLANK = "_" * 18  # a line to write on by hand


@dataclass(frozen=True)
class SignInLine:
    """An elder on the sign-in sheet."""

    name: str
    care_level: str  # a CARE_LEVELS code


@dataclass(frozen=True)
class Delivery:
    """A meal delivered home (送餐上门): where to, and what the kitchen must know."""

    meal: str
    name: str
    diet: str
    allergies: str
    address: str
    phone: str  # masked


def month_text(month: dt.date) -> str:
    return _("{year}-{month:02d}").format(year=month.year, month=month.month)


def _day_text(day: dt.date) -> str:
    return "{} {}".format(format_date(day), format_date(day, "EEEE"))


def _meal(code: str) -> str:
    return _(MEALS[code]) if code in MEALS else code


def _total_row(table: Table) -> Table:
    """The table's last row as its total: shaded like the header."""
    table.setStyle(TableStyle([("BACKGROUND", (0, -1), (-1, -1), toolkit.HEAD_BG)]))
    return table


def _note(text: str) -> object:
    return toolkit.paragraph(text, toolkit.styles()["body"])


def _heading(text: str) -> object:
    return toolkit.paragraph(text, toolkit.styles()["heading"])


# -- 签到表 ---------------------------------------------------------------------------------

SIGN_IN_MM = (12, 30, 22, 20, 20, 44, 14, 18)  # 180 mm: portrait A4 between the margins
SIGN_IN_ROW = 9 * mm                            # room to write a time or sign
EXTRA_LINES = 6                                 # for elders who come on an unusual day


def sign_in_sheet(day: dt.date, lines: Sequence[SignInLine], letterhead: Letterhead) -> bytes:
    """签到表 for `day`: the expected elders' names, blank columns for the time in, the time out, a
    signature and lunch, and blank lines below for anyone else."""
    title = _("Day-care sign-in sheet")
    story = toolkit.title_block(title, _("{day} · {count} elders expected").format(
        day=_day_text(day), count=format_number(len(lines))))
    header = [_("No."), _("Name"), _("Care level"), _("Time in"), _("Time out"), _("Signature"), _("Lunch"),
              _("Notes")]
    widths = [w * mm for w in SIGN_IN_MM]
    s = toolkit.styles()
    data = [[toolkit.paragraph(h, s["cell"]) for h in header]]
    for number, line in enumerate(lines, 1):
        care = _(CARE_LEVELS[line.care_level]) if line.care_level in CARE_LEVELS else line.care_level
        data.append([str(number), toolkit.cell(line.name, s["cell"], widths[1]), care, "", "", "", "", ""])
    data += [[str(len(lines) + i), "", "", "", "", "", "", ""] for i in range(1, EXTRA_LINES + 1)]
    story.append(toolkit.sign_in_table(data, widths, SIGN_IN_ROW))
    story.append(toolkit.spacer(2))
    story.append(toolkit.paragraph(_("Write times as HH:MM; tick Lunch for each elder who ate lunch. Whoever "
                                     "takes an elder home signs with their name and relation."), s["small"]))
    story.append(toolkit.spacer(4))
    story.append(KeepTogether([toolkit.signature_block(toolkit.usable_width())]))
    return toolkit.build_pdf(title, story, letterhead)


# -- 厨房订餐单 -------------------------------------------------------------------------------

def kitchen_order(order: KitchenOrder, deliveries: Sequence[Delivery], letterhead: Letterhead) -> bytes:
    """厨房订餐单 for a day: counts by meal and diet (at the centre and delivered home), the walk-ins
    recorded so far; names only for special diets and allergies; where the deliveries go."""
    title = _("Kitchen order")
    width = toolkit.usable_width()
    story = toolkit.title_block(title, _day_text(order.day))
    for meal in MEALS:
        lines = [line for line in order.lines if line.meal == meal]
        total, delivered = sum(x.count for x in lines), sum(x.delivery for x in lines)
        story.append(_heading(_("{meal}: {count} meals, {delivered} of them delivered home").format(
            meal=_meal(meal), count=format_number(total), delivered=format_number(delivered))))
        if lines:
            rows = [[x.diet or _("No diet set"), format_number(x.count), format_number(x.count - x.delivery),
                     format_number(x.delivery)] for x in lines]
            rows.append([_("Total"), format_number(total), format_number(total - delivered),
                         format_number(delivered)])
            quarter = width / 4
            story.append(_total_row(toolkit.data_table(
                [_("Diet"), _("Meals"), _("At the centre"), _("Delivered home")], rows,
                [quarter * 1.6, quarter * 0.8, quarter * 0.8, quarter * 0.8], font_size=10, zebra=False,
                align_right=(1, 2, 3))))
        else:
            story.append(_note(_("No meals reserved.")))
        walk_ins = order.walk_ins.get(meal, 0)
        if walk_ins:
            story.append(toolkit.spacer(1.5))
            story.append(_note(_("Walk-in diners recorded so far: {count}").format(count=format_number(walk_ins))))
    story.append(_heading(_("Special diets and allergies")))
    if order.notes:
        rows = [[_meal(n.meal), n.name, n.diet, n.allergies, _("Yes") if n.delivery else ""] for n in order.notes]
        story.append(toolkit.data_table([_("Meal"), _("Name"), _("Diet"), _("Allergies"), _("Delivered home")],
                                        rows, [w * mm for w in (18, 30, 30, 76, 26)], font_size=10))
    else:
        story.append(_note(_("Nobody with a special diet or allergies.")))
    story.append(_heading(_("Home deliveries")))
    if deliveries:
        rows = [[_meal(d.meal), d.name, d.diet, d.allergies, d.address, d.phone] for d in deliveries]
        story.append(toolkit.data_table([_("Meal"), _("Name"), _("Diet"), _("Allergies"), _("Address"),
                                         _("Phone")], rows, [w * mm for w in (14, 24, 22, 36, 56, 28)],
                                        font_size=9))
    else:
        story.append(_note(_("No meals to deliver.")))
    return toolkit.build_pdf(title, story, letterhead)


# -- 助餐账单 ---------------------------------------------------------------------------------

BILL_MM = (14, 40, 12, 20, 26, 22, 22, 24)  # 180 mm


def _bill(bill: MealBill, width: float) -> list:
    s = toolkit.styles()
    block = [toolkit.paragraph(_("Meal bill of {name}, {month}").format(
        name=bill.name, month=month_text(bill.month)), s["heading"])]
    block.append(toolkit.field_table([(_("Elder"), bill.name), (_("Meal subsidy category"), bill.subsidy_category),
                                      (_("Month"), month_text(bill.month)), (_("Meals"), format_number(bill.meals))],
                                     width))
    block.append(toolkit.spacer(2))
    if bill.lines:
        rows = [[_meal(x.meal), "{}–{}".format(format_date(x.first_day, "short"), format_date(x.last_day, "short")),
                 format_number(x.count), format_money(x.unit_price_fen), format_money(x.unit_subsidy_fen),
                 format_money(x.amount_fen), format_money(x.subsidy_fen), format_money(x.due_fen)]
                for x in bill.lines]
        rows.append([_("Total"), "", format_number(bill.meals), "", "", format_money(bill.amount_fen),
                     format_money(bill.subsidy_fen), format_money(bill.due_fen)])
        block.append(_total_row(toolkit.data_table(
            [_("Meal"), _("Days"), _("Meals"), _("Price per meal (yuan)"), _("Subsidy per meal (yuan)"),
             _("Amount (yuan)"), _("Subsidy (yuan)"), _("Due (yuan)")], rows, [w * mm for w in BILL_MM],
            zebra=False, align_right=(2, 3, 4, 5, 6, 7))))
    else:
        block.append(_note(_("No meals were served this month.")))
    block.append(toolkit.spacer(2))
    block.append(toolkit.paragraph(_("Amount due: {amount} yuan").format(amount=format_money(bill.due_fen)),
                                   s["heading"]))
    signed = Table([[toolkit.paragraph(toolkit.with_colon(_("Received by")) + BLANK, s["body"]),
                     toolkit.paragraph(toolkit.with_colon(_("Elder or family (signature)")) + BLANK, s["body"]),
                     toolkit.paragraph(toolkit.with_colon(_("Date")) + BLANK, s["body"])]],
                   colWidths=[width * 0.3, width * 0.42, width * 0.28], rowHeights=[10 * mm])
    signed.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 10), ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                                ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    block += [signed, toolkit.spacer(6)]
    return [KeepTogether(block)]


def meal_bills(bills: Sequence[MealBill], month: dt.date, letterhead: Letterhead) -> bytes:
    """助餐账单: one bill per elder (meals at each price, unit price, subsidy, amount due), each kept
    on one page with room to sign for the payment."""
    title = _("Meal bills")
    width = toolkit.usable_width()
    story = toolkit.title_block(title, _("{month} · {count} bills · {amount} yuan due in all").format(
        month=month_text(month), count=format_number(len(bills)),
        amount=format_money(sum(b.due_fen for b in bills))))
    if not bills:
        story.append(_note(_("No meals were served this month.")))
    for bill in bills:
        story += _bill(bill, width)
    return toolkit.build_pdf(title, story, letterhead)


# -- 日间照料月报 ------------------------------------------------------------------------------

SUMMARY_MM = (40, 16, 18, 18, 16, 24, 24, 24)  # 180 mm


def month_summary(summary: MonthSummary, figures: DaycareFigures, letterhead: Letterhead) -> bytes:
    """日间照料月报 for the funder: attendance (person-days, distinct elders), enrolments, meals
    by subsidy category and meal, the subsidy paid, walk-ins."""
    title = _("Day-care month summary")
    width = toolkit.usable_width()
    f = figures
    story = toolkit.title_block(title, _("{month} ({start} to {end})").format(
        month=month_text(summary.month), start=format_date(f.date_from), end=format_date(f.date_to)))
    story.append(_heading(_("Attendance")))
    pairs = [
        (_("Attendance (person-days)"), format_number(f.person_days)),
        (_("Elders who came"), format_number(f.distinct_elders)),
        (_("Elders enrolled at month end"), format_number(f.enrolled)),
        (_("New enrolments"), format_number(f.new)),
        (_("Elders who left"), format_number(f.left)),
    ]
    pairs += [(_("{meal} served").format(meal=_meal(meal)), format_number(f.meals_served.get(meal, 0)))
              for meal in MEALS]
    pairs.append((_("Meals delivered home"), format_number(f.delivered)))
    pairs += [(_("Walk-in diners, {meal}").format(meal=_meal(meal)), format_number(f.walk_ins.get(meal, 0)))
              for meal in MEALS]
    pairs.append((_("Subsidy paid (yuan)"), format_money(f.subsidy_paid_fen)))
    story.append(toolkit.field_table(pairs, width))
    story.append(_heading(_("Meals by subsidy category")))
    if summary.lines:
        rows = [[x.subsidy_category, _meal(x.meal), format_number(x.meals), format_number(x.delivered),
                 format_number(x.elders), format_money(x.amount_fen), format_money(x.subsidy_fen),
                 format_money(x.due_fen)] for x in summary.lines]
        rows.append([_("Total"), "", format_number(summary.meals),
                     format_number(sum(x.delivered for x in summary.lines)), "",
                     format_money(sum(x.amount_fen for x in summary.lines)), format_money(summary.subsidy_fen),
                     format_money(summary.due_fen)])
        story.append(_total_row(toolkit.data_table(
            [_("Meal subsidy category"), _("Meal"), _("Meals"), _("Delivered home"), _("Elders"),
             _("Amount (yuan)"), _("Subsidy (yuan)"), _("Paid by elders (yuan)")], rows,
            [w * mm for w in SUMMARY_MM], zebra=False, align_right=(2, 3, 4, 5, 6, 7))))
    else:
        story.append(_note(_("No meals were served this month.")))
    walk_ins = _(", ").join("{} {}".format(_meal(meal), format_number(summary.walk_ins.get(meal, 0))) for meal in MEALS)
    story.append(toolkit.spacer(2))
    story.append(_note(_("Walk-in diners (not billed): {counts}").format(counts=walk_ins)))
    story.append(toolkit.spacer(8))
    story.append(KeepTogether([toolkit.signature_block(width)]))
    return toolkit.build_pdf(title, story, letterhead)


__all__ = ["SignInLine", "Delivery", "sign_in_sheet", "kitchen_order", "meal_bills", "month_summary", "month_text"]
