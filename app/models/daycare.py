"""Eldercare day-care (日间照料 / 助餐配餐): enrolled elders, their contacts, attendance, meals and
meal prices. The rules live in services/daycare.py; working days are models/calendar.py's."""

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Diet(Base):
    """A diet from the centre's editable list (普食, 软食, 流食, 低糖, 低盐 …)."""

    __tablename__ = "daycare_diets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    special: Mapped[bool] = mapped_column(Boolean, default=True)  # the kitchen order names who has it
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class SubsidyCategory(Base):
    """Who pays how much for a meal (标准, 80岁以上, 低保/困难 …); the amounts are MealPrice's."""

    __tablename__ = "daycare_subsidy_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class DaycareProfile(Base):
    """One enrolment of a resident in day-care, from `enrolled_on` until `left_on` (inclusive).
    A resident has at most one profile that has not left; one who comes back gets a new one."""

    __tablename__ = "daycare_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    enrolled_on: Mapped[dt.date] = mapped_column(Date, index=True)
    care_level: Mapped[str] = mapped_column(String(20))  # self_care / partial / dependent
    diet_id: Mapped[int | None] = mapped_column(ForeignKey("daycare_diets.id", ondelete="RESTRICT"), index=True)
    allergies: Mapped[str] = mapped_column(Text, default="")
    health_notes: Mapped[str] = mapped_column(Text, default="")  # only with consent and the permission
    subsidy_category_id: Mapped[int | None] = mapped_column(
        ForeignKey("daycare_subsidy_categories.id", ondelete="RESTRICT"), index=True)
    weekdays: Mapped[int] = mapped_column(Integer, default=0)  # bit 0 Monday … bit 6 Sunday
    may_leave_alone: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_from: Mapped[dt.date | None] = mapped_column(Date)
    paused_to: Mapped[dt.date | None] = mapped_column(Date)  # inclusive; None: until resumed
    pause_reason: Mapped[str] = mapped_column(String(200), default="")
    left_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    left_reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class DaycareContact(Base):
    """An emergency contact or a person who may take the elder home: a resident from the
    registry (`relative_id`) or a name, phone and relation."""

    __tablename__ = "daycare_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("daycare_profiles.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # emergency / pickup
    relative_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(24), default="")
    relation: Mapped[str] = mapped_column(String(20), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Attendance(Base):
    """One elder's day at the centre: in, out, and who took them home."""

    __tablename__ = "daycare_attendance"
    __table_args__ = (UniqueConstraint("resident_id", "day", name="uq_daycare_attendance_resident_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    checked_in_at: Mapped[dt.datetime] = mapped_column(DateTime)
    checked_out_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    taken_home_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"))
    taken_home_by_name: Mapped[str] = mapped_column(String(50), default="")
    taken_home_by_phone: Mapped[str] = mapped_column(String(24), default="")
    taken_home_by_relation: Mapped[str] = mapped_column(String(20), default="")
    from_paper: Mapped[bool] = mapped_column(Boolean, default=False)  # entered later from the sign-in sheet
    corrected: Mapped[bool] = mapped_column(Boolean, default=False)


class Meal(Base):
    """One elder's meal on one day: reserved, to be delivered home (送餐上门), served (billed)."""

    __tablename__ = "daycare_meals"
    __table_args__ = (UniqueConstraint("resident_id", "day", "meal", name="uq_daycare_meals_resident_day_meal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    meal: Mapped[str] = mapped_column(String(10))  # lunch / dinner
    reserved: Mapped[bool] = mapped_column(Boolean, default=True)
    delivery: Mapped[bool] = mapped_column(Boolean, default=False)
    served: Mapped[bool] = mapped_column(Boolean, default=False)
    # The category when the meal was written, so a later change of category leaves past bills alone.
    subsidy_category_id: Mapped[int | None] = mapped_column(
        ForeignKey("daycare_subsidy_categories.id", ondelete="RESTRICT"), index=True)
    from_paper: Mapped[bool] = mapped_column(Boolean, default=False)


class WalkInMeals(Base):
    """How many unregistered diners ate a meal on a day."""

    __tablename__ = "daycare_walk_ins"
    __table_args__ = (UniqueConstraint("day", "meal", name="uq_daycare_walk_ins_day_meal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    meal: Mapped[str] = mapped_column(String(10))
    count: Mapped[int] = mapped_column(Integer, default=0)


class MealPrice(Base):
    """The price of a meal and the subsidy for one category, from `valid_from` until the next
    row of the same meal and category. Money in integer fen; the elder pays price − subsidy."""

    __tablename__ = "daycare_meal_prices"
    __table_args__ = (UniqueConstraint("meal", "subsidy_category_id", "valid_from",
                                       name="uq_daycare_meal_prices_meal_category_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meal: Mapped[str] = mapped_column(String(10))
    subsidy_category_id: Mapped[int] = mapped_column(
        ForeignKey("daycare_subsidy_categories.id", ondelete="RESTRICT"), index=True)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    price_fen: Mapped[int] = mapped_column(Integer)
    subsidy_fen: Mapped[int] = mapped_column(Integer, default=0)
