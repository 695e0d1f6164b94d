"""The shared calendar: the administrator's holidays and make-up working days. Deadlines
(the service counter's), closures and sessions are counted on it; the rules live in
services/calendar.py."""

import datetime as dt

from sqlalchemy import Boolean, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Holiday(Base):
    """A day of the administrator's calendar: a public holiday, or (working=True) a
    make-up working day on a weekend (调休上班)."""

    __tablename__ = "holidays"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), default="")
    working: Mapped[bool] = mapped_column(Boolean, default=False)
