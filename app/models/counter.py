"""One-stop service counter (一站式便民服务): request categories, tickets and their
history. The rules live in services/counter.py; the holidays are models/calendar.py's."""

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class RequestCategory(Base):
    """A kind of request (社保医保, 户籍证明 …) with its default level and promised deadline."""

    __tablename__ = "request_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    default_level: Mapped[str] = mapped_column(String(10), default="centre")  # grid / centre / town
    promised_working_days: Mapped[int] = mapped_column(Integer, default=5)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(Base):
    """One request at the counter, from receipt (受理) to archive (归档)."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # FW202611-0042
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"),
                                                    index=True)
    walk_in_name: Mapped[str] = mapped_column(String(50), default="")
    walk_in_phone: Mapped[str] = mapped_column(String(24), default="")
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # counter / phone / grid_worker / home_visit
    category_id: Mapped[int] = mapped_column(ForeignKey("request_categories.id", ondelete="RESTRICT"),
                                             index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    urgency: Mapped[str] = mapped_column(String(10), default="normal")  # normal / urgent / difficult
    level: Mapped[str] = mapped_column(String(10))  # grid / centre / town
    assignee: Mapped[str] = mapped_column(String(50), default="")
    proxy_errand: Mapped[bool] = mapped_column(Boolean, default=False)  # 代办
    proxy_principal: Mapped[str] = mapped_column(String(50), default="")
    proxy_agent: Mapped[str] = mapped_column(String(50), default="")
    proxy_matter: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date, index=True)
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    resolved_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    held_since: Mapped[dt.date | None] = mapped_column(Date)
    held_days: Mapped[int] = mapped_column(Integer, default=0)  # working days spent on hold
    satisfaction: Mapped[str | None] = mapped_column(String(20))  # satisfied / basically / unsatisfied
    follow_up_comment: Mapped[str] = mapped_column(Text, default="")
    follow_up_method: Mapped[str | None] = mapped_column(String(20))  # phone / home_visit / sms / in_person …
    followed_up_on: Mapped[dt.date | None] = mapped_column(Date)
    archived_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class TicketEvent(Base):
    """One step of a ticket's history: who moved it, when, from which status to which."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor_name: Mapped[str] = mapped_column(String(50))
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
