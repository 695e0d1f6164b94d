"""Day care's part of the demo: about 60 elders at a village centre (400 in town), picked among
the elderly residents, with a year of enrolments, attendance and meals ending on the demo's day.

The lists and prices go through the service (the price rises mid-year); the year's history is
written with plain table inserts (the database gives the ids), following the service's rules: an
elder comes only while enrolled, on their usual working days and not paused; a check-in serves
lunch at the elder's subsidy category of the time; nobody comes after leaving. Today is partly
done: some elders are in, some have gone home, some expected have not arrived yet."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, insert, select

from app.i18n import _, format_number
from app.models import Attendance, DaycareContact, DaycareProfile, Meal, WalkInMeals
from app.services import audit, calendar, daycare
from app.services.demo.common import SCALES, DemoContext, DemoPart, Names, mobile
from app.services.residents import RELATIONS
from app.services.validators import normalise_phone

ELDERS = {"village": 60, "town": 400}
WALK_INS = {"village": 5, "town": 22}  # lunch walk-ins on a working day
# Lunch and dinner: (price, {category order: subsidy}) in fen, before and after the mid-year rise.
PRICES = {
    daycare.LUNCH: ((1500, (0, 500, 1000)), (1600, (0, 600, 1100))),
    daycare.DINNER: ((1200, (0, 300, 600)), (1300, (0, 400, 700))),
}
ALLERGIES = ("花生", "海鲜", "鸡蛋", "牛奶", "芒果", "虾蟹")
PAUSE_REASONS = ("住院治疗", "去子女家小住", "回老家探亲", "身体不适，在家休养")
LEAVE_REASONS = ("搬去与子女同住", "入住养老院", "身体原因，无法再来", "去世", "家人接回老家")
CHECK_IN = (7 * 60 + 40, 9 * 60 + 40)    # minutes after midnight
CHECK_OUT = (15 * 60 + 30, 17 * 60 + 20)
NOBODY = dict(taken_home_by_id=None, taken_home_by_name="", taken_home_by_phone="", taken_home_by_relation="")


def _part(count: int) -> DemoPart:
    return DemoPart(count, _("{count} day-care elders").format(count=format_number(count)))


def fill(ctx: DemoContext) -> DemoPart:
    """Elders from the residents the residents' filler left in ctx.shared, and their year."""
    db = ctx.db
    if not ctx.adding:
        with db.session() as s:
            return _part(s.scalar(select(func.count(func.distinct(DaycareProfile.resident_id)))) or 0)
    rng = random.Random(f"daycare-{ctx.seed}")
    today, system = ctx.today, ctx.system
    first = today - dt.timedelta(days=364)
    daycare.seed(db, actor=system)
    cats = daycare.list_choices(db, daycare.SUBSIDIES)
    diets = daycare.list_choices(db, daycare.DIETS)
    if len(cats) < 3 or not diets:
        return _part(0)
    standard, aged, low_income = (c.id for c in cats[:3])
    rise = (first + dt.timedelta(days=182)).replace(day=1)  # prices go up at the start of a month mid-year
    for meal, steps in PRICES.items():
        for valid_from, (price, subsidies) in zip((first, rise), steps):
            for category, subsidy in zip((standard, aged, low_income), subsidies):
                daycare.set_price(db, daycare.PriceInput(meal, category, valid_from, price, subsidy), actor=system)

    gone = ctx.shared.get("moved_away", set())
    elderly = [p for p in ctx.shared.get("people", []) if p["id"] not in gone and p["birth_date"]
               and (today - p["birth_date"]).days >= 65 * 365]
    wanted = max(5, round(ELDERS[ctx.scale] * ctx.population / ctx.spec["residents"]))
    # The older someone is, the likelier they come.
    elderly.sort(key=lambda p: p["birth_date"])
    pool = elderly[:max(wanted, len(elderly) * 2 // 3)]
    chosen = rng.sample(pool, min(wanted, len(pool)))
    if not chosen:
        return _part(0)
    relatives: dict[int, list[dict]] = {}
    for link in ctx.shared.get("links", []):
        relatives.setdefault(link["resident_id"], []).append(link)
    names = Names(rng)
    normal = next((d.id for d in diets if not d.special), diets[0].id)
    special = [d.id for d in diets if d.special] or [normal]

    profiles, contacts = [], {}
    now = dt.datetime.now().replace(microsecond=0)
    for p in chosen:
        age = (today - p["birth_date"]).days // 365
        care = rng.choices(list(daycare.CARE_LEVELS), weights=(60, 30, 10))[0]
        enrolled = (first - dt.timedelta(days=rng.randrange(1, 900)) if rng.random() < 0.7
                    else first + dt.timedelta(days=rng.randrange(0, 350)))
        weekdays = rng.choices([0b11111, 0b10101, 0b01010, 0b00111, 0b1111111], weights=(70, 12, 6, 6, 6))[0]
        row = dict(resident_id=p["id"], enrolled_on=enrolled, care_level=care,
                   diet_id=normal if rng.random() < 0.65 else rng.choice(special),
                   allergies=rng.choice(ALLERGIES) if rng.random() < 0.1 else "", health_notes="",
                   subsidy_category_id=(low_income if rng.random() < 0.1 else aged if age >= 80 else standard),
                   weekdays=weekdays, may_leave_alone=care == daycare.SELF_CARE and rng.random() < 0.6,
                   paused_from=None, paused_to=None, pause_reason="", left_on=None, left_reason="",
                   created_at=now, updated_at=now)
        latest = max(enrolled, first) + dt.timedelta(days=30)
        roll = rng.random()
        if roll < 0.1 and latest < today - dt.timedelta(days=5):  # left during the year
            row.update(left_on=latest + dt.timedelta(days=rng.randrange(0, (today - latest).days)),
                       left_reason=rng.choice(LEAVE_REASONS))
        elif roll < 0.2 and latest < today - dt.timedelta(days=20):  # paused for a while
            start = latest + dt.timedelta(days=rng.randrange(0, (today - latest).days))
            end = start + dt.timedelta(days=rng.randrange(7, 45))
            row.update(paused_from=start, paused_to=None if rng.random() < 0.3 else end,
                       pause_reason=rng.choice(PAUSE_REASONS))
        profiles.append(row)
        contacts[p["id"]] = _contacts(rng, names, relatives.get(p["id"], []), p["name"][0])

    with db.session() as s:
        s.execute(insert(DaycareProfile.__table__), profiles)
        ids = dict(s.execute(select(DaycareProfile.resident_id, DaycareProfile.id)
                             .where(DaycareProfile.resident_id.in_([r["resident_id"] for r in profiles]))).all())
        rows = [dict(profile_id=ids[rid], kind=kind, sort_order=order, **c)
                for rid, (emergency, pickups) in contacts.items()
                for kind, people in ((daycare.EMERGENCY, emergency), (daycare.PICKUP, pickups))
                for order, c in enumerate(people)]
        if rows:
            s.execute(insert(DaycareContact.__table__), rows)

    cal = calendar.calendar(db)
    attendance, meals, walk_ins = _year(rng, ctx, profiles, contacts, cal, first, today)
    with db.session() as s:  # plain table inserts (every row with the same keys): fast
        for start in range(0, len(attendance), 10000):
            s.execute(insert(Attendance.__table__), attendance[start:start + 10000])
        for start in range(0, len(meals), 10000):
            s.execute(insert(Meal.__table__), meals[start:start + 10000])
        if walk_ins:
            s.execute(insert(WalkInMeals.__table__), walk_ins)
        audit.record(s, ctx.actor, "create", "daycare_profile", None, _(
            "{count} demo day-care elders with a year of attendance and meals ({scale})").format(
                count=len(profiles), scale=_(SCALES[ctx.scale])))
    return _part(len(profiles))


def _contacts(rng: random.Random, names: Names, links: list[dict], surname: str) -> tuple[list, list]:
    """Emergency contacts and who may take the elder home: family from the registry, else a name
    and a mobile (as DaycareContact rows without the profile)."""
    family = [dict(relative_id=ln["relative_id"], name="", phone="",
                   relation=_(RELATIONS[ln["relation"]][0])[:20] if ln["relation"] in RELATIONS else "")
              for ln in links if ln["relation"] in ("child", "spouse", "grandchild", "sibling")]
    if not family or rng.random() < 0.3:
        gender = rng.choice("MF")
        family.append(dict(relative_id=None, name=names.person(gender, surname), phone=normalise_phone(mobile(rng)),
                           relation="儿子" if gender == "M" else "女儿"))
    if rng.random() < 0.15:
        family.append(dict(relative_id=None, name=names.person("F"), phone=normalise_phone(mobile(rng)),
                           relation="保姆"))
    return family[:2], family[:3]


def _enrolled(profile: dict, day: dt.date) -> bool:
    """Enrolled on `day` and not paused."""
    if day < profile["enrolled_on"] or (profile["left_on"] is not None and day > profile["left_on"]):
        return False
    start, end = profile["paused_from"], profile["paused_to"]
    return not (start is not None and start <= day and (end is None or day <= end))


def _comes(profile: dict, day: dt.date) -> bool:
    """Enrolled, not paused, a usual weekday (the service's expected_ids, per profile)."""
    return _enrolled(profile, day) and bool(profile["weekdays"] & (1 << day.weekday()))


def _at(day: dt.date, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(minute // 60, minute % 60, 0))


def _year(rng: random.Random, ctx: DemoContext, profiles: list[dict], contacts: dict, cal: calendar.Calendar,
          first: dt.date, today: dt.date) -> tuple[list, list, list]:
    attend = {daycare.SELF_CARE: 0.88, daycare.PARTIAL: 0.82, daycare.DEPENDENT: 0.7}
    # A few dependent elders have their lunch brought home instead of coming.
    home_only = {p["resident_id"] for p in profiles if p["care_level"] == daycare.DEPENDENT and rng.random() < 0.4}
    diners = {p["resident_id"] for p in profiles if rng.random() < 0.2}  # also eat dinner at the centre
    paper_days = set(rng.sample(range(365), 3))  # the scanner was broken: entered from the sheet
    now = dt.datetime.now().replace(second=0, microsecond=0)
    # Today as of now (or of late morning, for a demo of another day); before 8:00 some have come early.
    clock = now if today == now.date() else _at(today, 11 * 60)
    clock = max(clock, _at(today, 8 * 60))
    attendance, meals, walk_ins = [], [], []
    walk_mean = WALK_INS[ctx.scale] * ctx.population / ctx.spec["residents"]
    for n in range(365):
        day = first + dt.timedelta(days=n)
        working = calendar.is_working_day(day, cal.holidays, cal.working_days)
        is_today = day == today
        for p in profiles:
            rid = p["resident_id"]
            if not (working and _comes(p, day)):
                # On a day off a few come all the same (the board expects nobody then).
                if not (is_today and _enrolled(p, day) and rng.random() < 0.1):
                    continue

            base = dict(resident_id=rid, day=day, reserved=True, subsidy_category_id=p["subsidy_category_id"],
                        from_paper=n in paper_days)
            if rid in home_only or rng.random() > attend[p["care_level"]]:
                if rid in home_only or rng.random() < 0.15:  # stayed home: lunch delivered
                    meals.append(dict(base, meal=daycare.LUNCH, served=not is_today or clock.hour >= 12, delivery=True))
                continue
            arrive = rng.randrange(*CHECK_IN)
            leave = rng.randrange(*CHECK_OUT)
            checked_in, checked_out = _at(day, arrive), _at(day, leave)
            if is_today:  # as of `clock`: some expected have not come yet, a few went home early
                if checked_in >= clock or rng.random() < 0.15:
                    continue
                if clock - checked_in >= dt.timedelta(hours=1) and rng.random() < 0.08:
                    checked_out = checked_in + (clock - checked_in) // 2
                elif checked_out > clock:
                    checked_out = None
            who = _taken_home(rng, p, contacts[rid][1]) if checked_out else NOBODY
            attendance.append(dict(resident_id=rid, day=day, checked_in_at=checked_in, checked_out_at=checked_out,
                                   from_paper=n in paper_days, corrected=False, **who))
            meals.append(dict(base, meal=daycare.LUNCH, served=True, delivery=False))
            if rid in diners and rng.random() < 0.6:
                meals.append(dict(base, meal=daycare.DINNER, served=not is_today, delivery=False))
        if working:
            count = max(0, round(rng.gauss(walk_mean, walk_mean ** 0.5)))
            if is_today and clock.hour < 12:
                count //= 3  # lunch is not over yet
            walk_ins.append(dict(day=day, meal=daycare.LUNCH, count=count))
            if rng.random() < 0.3:
                walk_ins.append(dict(day=day, meal=daycare.DINNER, count=rng.randint(1, 4)))
    return attendance, meals, walk_ins


def _taken_home(rng: random.Random, profile: dict, pickups: list[dict]) -> dict:
    """Who took the elder home, as the attendance row stores it."""
    if profile["may_leave_alone"] and (not pickups or rng.random() < 0.7):
        return dict(taken_home_by_id=None, taken_home_by_name="", taken_home_by_phone="",
                    taken_home_by_relation="self")
    if not pickups:
        return NOBODY
    c = rng.choice(pickups)
    return dict(taken_home_by_id=c["relative_id"], taken_home_by_name=c["name"], taken_home_by_phone=c["phone"],
                taken_home_by_relation=c["relation"])
