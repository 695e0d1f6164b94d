
import datetime as dt

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Consent(Base):
    """A resident's (or their guardian's) consent to one use of their data."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    given_by: Mapped[str] = mapped_column(String(50))  # the resident, or a guardian's name
    given_by_resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))    # registry, day_care, after_school, health_notes
    method: Mapped[str] = mapped_column(String(20))     # written, verbal, electronic
    given_on: Mapped[dt.date] = mapped_column(Date)
    withdrawn_on: Mapped[dt.date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(50), default="")
    note: Mapped[str] = mapped_column(String(200), default="")
