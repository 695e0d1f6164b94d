"""The activity ledger (活动台账): what the centre ran (义诊, 讲座, 文体, 暑托 …), for whom, with whom,
and who came — registered residents plus a headcount of people not in the registry. The monthly
report counts activities (场次), person-times (人次) and distinct people (人数) from these tables;
the rules live in services/activities.py."""

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class ActivityType(Base):
    """A kind of activity from the centre's editable list (义诊, 康乐, 讲座, 文体, 儿童教育/科普 …)."""

    __tablename__ = "activity_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Activity(Base):
    """One activity held (or planned) on a day. `target_group` is one of services/activities.py's
    TARGET_GROUPS (elderly 一老, children 一少, youth 青年, everyone 全体); `headcount` counts the people
    who came and are not in the registry."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[dt.date] = mapped_column(Date, index=True)
    starts_at: Mapped[dt.time | None] = mapped_column(Time)
    ends_at: Mapped[dt.time | None] = mapped_column(Time)
    title: Mapped[str] = mapped_column(String(100))
    activity_type_id: Mapped[int] = mapped_column(ForeignKey("activity_types.id", ondelete="RESTRICT"), index=True)
    target_group: Mapped[str] = mapped_column(String(10))
    venue: Mapped[str] = mapped_column(String(100), default="")
    organiser: Mapped[str] = mapped_column(String(100), default="")
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ActivityPartner(Base):
    """Who ran an activity with the centre: an alliance merchant (`merchant_id`), a volunteer team or
    an outside body (`kind`, one of services/activities.py's PARTNER_KINDS) named in `name`."""

    __tablename__ = "activity_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("alliance_merchants.id", ondelete="SET NULL"),
                                                    index=True)
    name: Mapped[str] = mapped_column(String(100))


class ActivityParticipant(Base):
    """A registered resident who took part; `points_entry_id` is the volunteer-points entry credited
    for it, when the desk credited points in the same step."""

    __tablename__ = "activity_participants"
    __table_args__ = (UniqueConstraint("activity_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    points_entry_id: Mapped[int | None] = mapped_column(ForeignKey("points_ledger.id", ondelete="SET NULL"))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime)
