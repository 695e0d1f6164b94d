"""After-school classes (四点半课堂 / 暑托班 / 兴趣班 / 周末班): classes and their schedule, the
children enrolled (school, guardians, who may collect them), waiting lists, session attendance
and pick-ups. The rules live in services/afterschool.py; working days are models/calendar.py's."""

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class ClassType(Base):
    """A kind of class from the centre's editable list (四点半课堂, 暑托班, 兴趣班, 周末班 …)."""

    __tablename__ = "afterschool_class_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class SchoolClass(Base):
    """A class: its term, weekly schedule, room, capacity, teacher and who it is for. Its sessions
    are the scheduled weekdays of the term that are not holidays, plus SessionChange rows."""

    __tablename__ = "afterschool_classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("afterschool_class_types.id", ondelete="RESTRICT"), index=True)
    term_start: Mapped[dt.date] = mapped_column(Date)
    term_end: Mapped[dt.date] = mapped_column(Date)  # inclusive
    weekdays: Mapped[int] = mapped_column(Integer, default=0)  # bit 0 Monday … bit 6 Sunday
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)
    room: Mapped[str] = mapped_column(String(50), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    # The teacher or volunteer: a staff account or a resident (a volunteer), or neither yet.
    teacher_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), index=True)
    teacher_resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"),
                                                            index=True)
    age_min: Mapped[int | None] = mapped_column(Integer)
    age_max: Mapped[int | None] = mapped_column(Integer)
    grade_min: Mapped[int | None] = mapped_column(Integer)  # 0 kindergarten, 1-6 primary, 7-9 junior …
    grade_max: Mapped[int | None] = mapped_column(Integer)
    fee_fen: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False: archived, kept for the figures
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class SessionChange(Base):
    """A session cancelled (with a reason) or added outside the schedule, on one day of a class."""

    __tablename__ = "afterschool_session_changes"
    __table_args__ = (UniqueConstraint("class_id", "day", name="uq_afterschool_session_changes_class_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("afterschool_classes.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)  # False: an added session
    reason: Mapped[str] = mapped_column(String(200), default="")
    start_time: Mapped[dt.time | None] = mapped_column(Time)  # an added session's times (None: the class's)
    end_time: Mapped[dt.time | None] = mapped_column(Time)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(50), default="")


class ChildProfile(Base):
    """What the centre keeps about a child in after-school classes (one per child, whatever the
    number of classes): school and grade, allergies and medical notes (seen only with the
    permission), and whether a guardian agreed that the child may go home alone."""

    __tablename__ = "afterschool_children"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), unique=True)
    school: Mapped[str] = mapped_column(String(100), default="")
    grade: Mapped[int | None] = mapped_column(Integer)
    allergies: Mapped[str] = mapped_column(Text, default="")
    medical_notes: Mapped[str] = mapped_column(Text, default="")
    may_go_home_alone: Mapped[bool] = mapped_column(Boolean, default=False)
    alone_consent_by: Mapped[str] = mapped_column(String(50), default="")  # the guardian who agreed
    alone_consent_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class PickupPerson(Base):
    """An adult who may collect a child: a guardian (a resident with a family link to the child)
    or another authorised adult (a resident, or a name); always with a phone. `card_code` is the
    pick-up card's (接送卡) code, scanned at sign-out."""

    __tablename__ = "afterschool_pickup_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("afterschool_children.id", ondelete="CASCADE"), index=True)
    relative_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(24))
    relation: Mapped[str] = mapped_column(String(20), default="")
    guardian: Mapped[bool] = mapped_column(Boolean, default=False)
    card_code: Mapped[str | None] = mapped_column(String(12), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False: no longer authorised (kept for history)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Enrolment(Base):
    """A child's place in a class, or on its waiting list (in the order of `requested_at`):
    waiting → offered → enrolled (or passed over), enrolled → withdrawn."""

    __tablename__ = "afterschool_enrolments"
    __table_args__ = (Index("ix_afterschool_enrolments_class_status", "class_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("afterschool_classes.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12))  # waiting / offered / enrolled / passed / withdrawn
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime)
    offered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    enrolled_on: Mapped[dt.date | None] = mapped_column(Date)
    left_on: Mapped[dt.date | None] = mapped_column(Date)
    left_reason: Mapped[str] = mapped_column(String(200), default="")
    over_capacity_reason: Mapped[str] = mapped_column(String(200), default="")  # an administrator's
    out_of_range_reason: Mapped[str] = mapped_column(String(200), default="")   # age or grade outside the class's
    created_by: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ClassAttendance(Base):
    """One child at one session: present (signed in, then signed out to someone), absent, or on
    leave; who collected them, whether that adult was on the list, whether it was late."""

    __tablename__ = "afterschool_attendance"
    __table_args__ = (UniqueConstraint("class_id", "resident_id", "day",
                                       name="uq_afterschool_attendance_class_child_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("afterschool_classes.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(10))  # present / absent / leave
    reason: Mapped[str] = mapped_column(String(200), default="")  # leave or absence
    signed_in_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    signed_out_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    picked_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("afterschool_pickup_people.id",
                                                                   ondelete="SET NULL"))
    picked_up_by_name: Mapped[str] = mapped_column(String(50), default="")
    picked_up_by_phone: Mapped[str] = mapped_column(String(24), default="")
    picked_up_by_relation: Mapped[str] = mapped_column(String(20), default="")
    went_home_alone: Mapped[bool] = mapped_column(Boolean, default=False)
    unlisted: Mapped[bool] = mapped_column(Boolean, default=False)  # collected by someone not on the list
    unlisted_reason: Mapped[str] = mapped_column(String(200), default="")  # the staff member's reason
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # after the end time plus the grace period
    recorded_by: Mapped[str] = mapped_column(String(50), default="")
    from_paper: Mapped[bool] = mapped_column(Boolean, default=False)
