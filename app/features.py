"""The program's features, each described once.

A feature (the residents registry, the service counter, and each tab to come) is one
`Feature` record in `FEATURES`. The main window, the command line's `print FORM`,
`services/printing.py`, the first-start seeding, the demo, the residents' detail pane and
the monthly report loop over this list instead of naming features, so adding a tab touches
the feature's own files and one line here (see "Adding a feature" in docs/ARCHITECTURE.md).

Everything a record points at is named as "module:attribute" and imported only when it is
used: the command line builds its parser from this list before anything heavy is imported.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from app.i18n import N_


def resolve(ref: str) -> Any:
    """The object a "package.module:attribute" reference names."""
    module, _sep, name = ref.partition(":")
    return getattr(import_module(module), name)


@dataclass(frozen=True)
class PrintOption:
    """A command-line option of `print FORM` (argparse's add_argument arguments); `help` is N_()."""

    flags: tuple[str, ...]
    help: str
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Form:
    """A printable form: `print NAME` on the command line. `make(db, options, *, actor) -> bytes`
    gathers the data (options: the parsed command line) and returns the PDF."""

    name: str
    label: str  # N_()
    make: str
    # An option the form cannot do without, checked before the database is opened:
    # (its dest, the N_() message when it is missing).
    needs: tuple[str, str] | None = None
    # "module:function(db) -> [args]": the options that print this form for some record of a
    # filled database (the bundle's smoke test prints every form with them).
    sample: str | None = None


@dataclass(frozen=True)
class SettingsAction:
    """An entry of the Settings menu: `open(window)` shows the dialog; offered to those who may
    `permission` (the service checks again)."""

    label: str  # N_()
    open: str
    permission: str


@dataclass(frozen=True)
class ResidentAction:
    """A button beside a resident in the residents tab: the feature's tab opens, and its
    `for_resident(resident_id)` takes over (e.g. receive a request from this resident)."""

    label: str  # N_()
    tooltip: str  # N_()
    permission: str


@dataclass(frozen=True)
class DetailItem:
    """One thing of a feature's in a resident's detail pane (a ticket: number, date, status);
    clicking it opens it in the feature's tab, whose `open_item(ref)` takes it."""

    text: str
    ref: str


@dataclass(frozen=True)
class DetailLine:
    """A heading in a resident's detail pane and the items under it."""

    heading: str
    items: tuple[DetailItem, ...] = ()


@dataclass(frozen=True)
class Feature:
    name: str
    label: str  # N_(): the tab's label
    topic: str  # the change notice its writes send (views/notices.py)
    tab: str | None = None  # "module:Class", built as Class(db, notices, actor=...)
    settings: tuple[SettingsAction, ...] = ()
    forms: tuple[Form, ...] = ()
    print_options: tuple[PrintOption, ...] = ()
    seed: str | None = None  # "module:function(db, *, actor)": what a new centre starts with
    demo: str | None = None  # "module:function(ctx) -> DemoPart": its part of the demo data
    figures: str | None = None  # "module:function(db, date_from, date_to)": the monthly report's numbers
    report: str | None = None  # "module:function(figures) -> report.Section": its section of the monthly report
    resident_lines: str | None = None  # "module:function(db, resident_id) -> [DetailLine]"
    resident_action: ResidentAction | None = None
    # Notice topics after which its resident lines may change (besides its own topic).
    resident_topics: tuple[str, ...] = ()
    # "module:function(db) -> (label, alert)": the tab's label while the tab is not built yet (it is
    # built when first shown), e.g. counts; computed on the worker at start and after a notice.
    badge: str | None = None


_RESIDENT_FILTERS = (
    PrintOption(("--resident",), N_("record number of a resident (registration, roster, member-cards, "
                                    "pickup-cards); may repeat"),
                {"type": int, "action": "append", "metavar": "ID"}),
    PrintOption(("--estate",), N_("only residents of this estate (registration, roster, member-cards)")),
    PrintOption(("--grid",), N_("only residents or tickets of this grid and the grids below it")),
    PrintOption(("--tag",), N_("only residents with this tag")),
    PrintOption(("--include-inactive",), N_("include deactivated residents"), {"action": "store_true"}),
)

RESIDENTS = Feature(
    name="residents",
    label=N_("Residents"),
    topic="residents",
    tab="app.views.residents.tab:ResidentsTab",
    settings=(SettingsAction(N_("Grids…"), "app.views.settings.grids_dialog:edit_grids", "settings.edit"),
              SettingsAction(N_("Tags…"), "app.views.settings.tags_dialog:edit_tags", "settings.edit")),
    forms=(Form("registration", N_("Resident registration form"), "app.services.residents_print:registration_for",
                sample="app.services.residents_print:some_resident"),
           Form("roster", N_("Resident roster"), "app.services.residents_print:roster_for"),
           Form("member-cards", N_("Member cards"), "app.services.residents_print:member_cards_for",
                sample="app.services.residents_print:some_resident")),
    print_options=_RESIDENT_FILTERS,
    seed="app.services.tags:ensure_default_tags",
    demo="app.services.demo.residents:fill",
)

_NEEDS_TICKET = ("ticket", N_("This form needs --ticket with the ticket number."))

COUNTER = Feature(
    name="counter",
    label=N_("Service counter"),
    topic="tickets",
    tab="app.views.counter.tab:CounterTab",
    settings=(SettingsAction(N_("Request catalogue…"), "app.views.settings.catalogue_dialog:edit_catalogue",
                             "settings.edit"),),
    forms=(Form("receipt", N_("Service request receipt"), "app.services.counter_print:receipt_for", _NEEDS_TICKET,
                "app.services.counter_print:some_ticket"),
           Form("dispatch-slip", N_("Dispatch slip"), "app.services.counter_print:dispatch_slip_for",
                _NEEDS_TICKET, "app.services.counter_print:some_ticket"),
           Form("authorisation", N_("Letter of authorisation"), "app.services.counter_print:authorisation_for",
                _NEEDS_TICKET, "app.services.counter_print:some_proxy_errand"),
           Form("ledger", N_("Service ticket ledger"), "app.services.counter_print:ledger_for")),
    print_options=(
        PrintOption(("--ticket",), N_("the ticket number, such as FW202611-0042 (receipt, dispatch-slip, "
                                      "authorisation)"), {"metavar": "NUMBER"}),
        PrintOption(("--from",), N_("ledger, complaint-ledger: first day (default: the first day of this month)"),
                    {"dest": "date_from", "type": "date", "metavar": "YYYY-MM-DD"}),
        PrintOption(("--to",), N_("ledger, complaint-ledger: last day (default: the last day of this month)"),
                    {"dest": "date_to", "type": "date", "metavar": "YYYY-MM-DD"}),
        PrintOption(("--category",), N_("ledger: only tickets of this kind of request"), {"metavar": "NAME"}),
        # app.services.counter_print.LEDGER_STATUSES (a test keeps the two the same)
        PrintOption(("--status",), N_("ledger: only tickets in this status; open: not yet resolved"),
                    {"choices": ["received", "dispatched", "handling", "resolved", "followed_up", "archived",
                                 "open"]}),
    ),
    seed="app.services.counter:ensure_default_catalogue",
    demo="app.services.demo.counter:fill",
    figures="app.services.counter:figures",
    report="app.services.counter:report_section",
    resident_lines="app.services.counter:resident_lines",
    badge="app.services.counter:tab_label",
    resident_action=ResidentAction(N_("Request…"),
                                   N_("Receive a request from this resident at the service counter"),
                                   "counter.receive"),
)

_NEEDS_DATE = ("date", N_("This form needs --date with the day, as YYYY-MM-DD."))
_NEEDS_MONTH = ("month", N_("This form needs --month with the month, as YYYY-MM."))

DAYCARE = Feature(
    name="daycare",
    label=N_("Day care"),
    topic="daycare",
    forms=(Form("daycare-sign-in", N_("Day-care sign-in sheet"), "app.services.daycare_print:sign_in_for",
                _NEEDS_DATE, "app.services.daycare_print:some_day"),
           Form("kitchen-order", N_("Kitchen order"), "app.services.daycare_print:kitchen_order_for",
                _NEEDS_DATE, "app.services.daycare_print:some_day"),
           Form("meal-bills", N_("Meal bills"), "app.services.daycare_print:meal_bills_for",
                _NEEDS_MONTH, "app.services.daycare_print:some_month"),
           Form("daycare-month", N_("Day-care month summary"), "app.services.daycare_print:month_summary_for",
                _NEEDS_MONTH, "app.services.daycare_print:some_month")),
    # --resident (meal-bills: one elder's bill) is the residents' option.
    print_options=(
        PrintOption(("--date",), N_("the day (daycare-sign-in, kitchen-order, session-sheet)"),
                    {"type": "date", "metavar": "YYYY-MM-DD"}),
        PrintOption(("--month",), N_("the month (meal-bills, daycare-month, class-month)"), {"metavar": "YYYY-MM"}),
        PrintOption(("--daycare",), N_("member-cards: only the elders enrolled in day care"),
                    {"action": "store_true"}),
    ),
    seed="app.services.daycare:seed",
    demo="app.services.demo.daycare:fill",
    figures="app.services.daycare:figures",
    report="app.services.daycare:report_section",
    tab="app.views.daycare.tab:DaycareTab",
    settings=(SettingsAction(N_("Meal prices and subsidies…"), "app.views.daycare.settings:edit_prices",
                             "daycare.prices"),
              SettingsAction(N_("Diets…"), "app.views.daycare.settings:edit_diets", "daycare.prices"),
              SettingsAction(N_("Meal subsidy categories…"), "app.views.daycare.settings:edit_subsidy_categories",
                             "daycare.prices"),
              SettingsAction(N_("Day-care closing time…"), "app.views.daycare.settings:edit_closing_time",
                             "daycare.prices")),
    resident_lines="app.services.daycare:resident_lines",
    resident_action=ResidentAction(N_("Day care…"), N_("Show this elder in day-care, or enrol them"),
                                   "daycare.attend"),
)

_NEEDS_CLASS = ("class_name", N_("This form needs --class with the class's name."))
_NEEDS_CHILD = ("resident", N_("This form needs --resident with the child's record number."))

AFTERSCHOOL = Feature(
    name="afterschool",
    label=N_("After-school"),
    topic="afterschool",
    forms=(Form("class-roster", N_("Class roster"), "app.services.afterschool_print:class_roster_for",
                _NEEDS_CLASS, "app.services.afterschool_print:some_class"),
           Form("session-sheet", N_("After-school sign-in and sign-out sheet"),
                "app.services.afterschool_print:session_sheet_for", _NEEDS_CLASS,
                "app.services.afterschool_print:some_session"),
           Form("class-month", N_("Class month attendance"), "app.services.afterschool_print:class_month_for",
                _NEEDS_CLASS, "app.services.afterschool_print:some_class_month"),
           Form("pickup-cards", N_("Pick-up cards"), "app.services.afterschool_print:pickup_cards_for",
                _NEEDS_CHILD, "app.services.afterschool_print:some_child")),
    # --date (session-sheet), --month (class-month) are day care's options; --resident (pickup-cards:
    # the child) the residents'.
    print_options=(
        PrintOption(("--class",), N_("the class's name (class-roster, session-sheet, class-month)"),
                    {"dest": "class_name", "metavar": "NAME"}),
        PrintOption(("--afterschool",), N_("member-cards: only the children enrolled in after-school classes"),
                    {"action": "store_true"}),
    ),
    seed="app.services.afterschool:seed",
    demo="app.services.demo.afterschool:fill",
    figures="app.services.afterschool:figures",
    report="app.services.afterschool:report_section",
    tab="app.views.afterschool.tab:AfterSchoolTab",
    badge="app.services.afterschool:badge",
    settings=(SettingsAction(N_("Class types…"), "app.views.afterschool.settings:edit_class_types",
                             "afterschool.classes"),
              SettingsAction(N_("Pick-up rules…"), "app.views.afterschool.settings:edit_pickup_rules",
                             "afterschool.classes")),
    resident_lines="app.services.afterschool:resident_lines",
    resident_action=ResidentAction(N_("After-school…"),
                                   N_("Show this child in after-school classes, or fill in the profile and enrol"),
                                   "afterschool.enrol"),
)

_NEEDS_MERCHANT = ("merchant", N_("This form needs --merchant with the merchant's name."))

ALLIANCE = Feature(
    name="alliance",
    label=N_("Merchant alliance"),
    topic="alliance",
    forms=(Form("merchant-application", N_("Alliance membership application"),
                "app.services.alliance_print:merchant_application_for", _NEEDS_MERCHANT,
                "app.services.alliance_print:some_member"),
           Form("merchant-agreement", N_("Alliance membership agreement"),
                "app.services.alliance_print:merchant_agreement_for", _NEEDS_MERCHANT,
                "app.services.alliance_print:some_member"),
           Form("merchant-certificate", N_("Window certificate"),
                "app.services.alliance_print:merchant_certificate_for", _NEEDS_MERCHANT,
                "app.services.alliance_print:some_member"),
           Form("alliance-roster", N_("Alliance roster"), "app.services.alliance_print:alliance_roster_for"),
           Form("complaint-ledger", N_("Complaint ledger"), "app.services.alliance_print:complaint_ledger_for",
                sample="app.services.alliance_print:some_half_year"),
           Form("alliance-ranking", N_("Alliance ranking"), "app.services.alliance_print:alliance_ranking_for",
                ("quarter", N_("This form needs --quarter with the quarter, as YYYY-Qn.")),
                "app.services.alliance_print:some_quarter")),
    # --from/--to (complaint-ledger) are the counter's options.
    print_options=(
        PrintOption(("--merchant",), N_("the merchant's name (merchant-application, merchant-agreement, "
                                        "merchant-certificate)"), {"metavar": "NAME"}),
        PrintOption(("--quarter",), N_("alliance-ranking: the quarter, such as 2026-Q3"), {"metavar": "YYYY-Qn"}),
    ),
    seed="app.services.alliance:seed",
    demo="app.services.demo.alliance:fill",
    figures="app.services.alliance:figures",
    report="app.services.alliance:report_section",
    tab="app.views.alliance.tab:AllianceTab",
    badge="app.services.alliance:badge",
    settings=(SettingsAction(N_("Business types…"), "app.views.alliance.settings:edit_business_types",
                             "alliance.lists"),
              SettingsAction(N_("Admission criteria (四美)…"), "app.views.alliance.settings:edit_criteria",
                             "alliance.lists"),
              SettingsAction(N_("Kinds of public-benefit service…"),
                             "app.views.alliance.settings:edit_commitment_types", "alliance.lists")),
    resident_lines="app.services.alliance:resident_lines",
    resident_action=ResidentAction(N_("Complaint about a shop…"),
                                   N_("Record this resident's complaint about an alliance merchant"),
                                   "alliance.complaints"),
)

_NEEDS_RESIDENT = ("resident", N_("This form needs --resident with one resident's record number."))

POINTS = Feature(
    name="points",
    label=N_("Volunteer points"),
    topic="points",
    forms=(Form("points-statement", N_("Points statement"), "app.services.points_print:points_statement_for",
                _NEEDS_RESIDENT, "app.services.points_print:some_volunteer"),
           Form("voucher", N_("Points voucher"), "app.services.points_print:voucher_for",
                ("code", N_("This form needs --code with the voucher's code.")),
                "app.services.points_print:some_voucher"),
           Form("points-ledger", N_("Points ledger"), "app.services.points_print:points_ledger_for", _NEEDS_MONTH,
                "app.services.points_print:some_month")),
    # --resident (points-statement) is the residents' option, --from/--to the counter's, --month day care's.
    print_options=(
        PrintOption(("--code",), N_("voucher: the voucher's code, as printed or scanned (NDV:…)"),
                    {"metavar": "CODE"}),
    ),
    seed="app.services.points:seed",
    demo="app.services.demo.points:fill",
    figures="app.services.points:figures",
    report="app.services.points:report_section",
    tab="app.views.points.tab:PointsTab",
    badge="app.services.points:badge",
    settings=(SettingsAction(N_("Volunteer service types…"), "app.views.points.settings:edit_service_types",
                             "points.catalogue"),
              SettingsAction(N_("Voucher catalogue…"), "app.views.points.settings:edit_voucher_catalogue",
                             "points.catalogue"),
              SettingsAction(N_("Expired vouchers…"), "app.views.points.settings:edit_refund_rule",
                             "points.catalogue")),
    resident_lines="app.services.points:resident_lines",
    resident_action=ResidentAction(N_("Points…"),
                                   N_("Show this resident's points, record service or issue a voucher"),
                                   "points.earn"),
)

OVERVIEW = Feature(
    name="overview",
    label=N_("Overview"),
    topic="overview",
    tab="app.views.overview.tab:OverviewTab",  # the first tab: today at a glance, the reports
)

ACTIVITIES = Feature(
    name="activities",
    label=N_("Activities"),
    topic="activities",
    forms=(Form("activity-sign-in", N_("Activity sign-in sheet"), "app.services.activities_print:activity_sign_in_for",
                ("activity", N_("This form needs --activity with the activity's record number.")),
                "app.services.activities_print:some_activity"),
           Form("activity-ledger", N_("Activity ledger"), "app.services.activities_print:activity_ledger_for",
                sample="app.services.activities_print:some_activity_month")),
    # --from/--to (activity-ledger) are the counter's options.
    print_options=(
        PrintOption(("--activity",), N_("the activity's record number (activity-sign-in)"),
                    {"type": int, "metavar": "ID"}),
    ),
    seed="app.services.activities:seed",
    demo="app.services.demo.activities:fill",
    figures="app.services.activities:figures",
    report="app.services.activities_report:report_section",
    tab="app.views.activities.tab:ActivitiesTab",
    settings=(SettingsAction(N_("Kinds of activity…"), "app.views.activities.settings:edit_activity_types",
                             "activities.types"),),
)

# The order of the tabs, the menus and the report's sections (the report puts activities first).
FEATURES: tuple[Feature, ...] = (OVERVIEW, RESIDENTS, COUNTER, DAYCARE, AFTERSCHOOL, ALLIANCE, POINTS, ACTIVITIES)


def feature(name: str) -> Feature:
    for f in FEATURES:
        if f.name == name:
            return f
    raise KeyError(name)


def forms() -> dict[str, tuple[Feature, Form]]:
    """Every printable form by its name, in the order of the features."""
    return {form.name: (f, form) for f in FEATURES for form in f.forms}


def warm_up() -> None:
    """Load, on the worker, what a first print or import would otherwise load on the GUI thread
    (0.1–0.2 s at a click): the ORM's mapper set-up, every form's module (reportlab), openpyxl,
    and the pinyin dictionaries (190,000 lists: loaded in the middle of an import, every young
    garbage collection then walks them). Start-up goes without them; the window runs this once
    it is up, and then freezes what exists (views/gui.py), so no collection walks it again."""
    from sqlalchemy.orm import configure_mappers

    from app.services import pinyin

    configure_mappers()
    for _feature, form in forms().values():
        import_module(form.make.partition(":")[0])
    import_module("openpyxl")
    pinyin.search_keys("邻里中心")
