
import datetime as dt

from sqlalchemy import (Boolean, Column, Date, DateTime, ForeignKey, Integer, String, Table, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.models.grid import Grid

resident_tags = Table(
    "resident_tags",
    Base.metadata,
    Column("resident_id", ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class Tag(Base):
    """A label from the centre's configurable list (老年人, 儿童, 退役军人 …)."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Resident(Base):
    """A person the centre serves (居民 / 服务对象)."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    # Opaque member code printed on the member card's QR code (never the ID number).
    member_code: Mapped[str | None] = mapped_column(String(12), unique=True)
    gender: Mapped[str | None] = mapped_column(String(1))  # "M" / "F"
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    id_kind: Mapped[str] = mapped_column(String(20), default="")
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(24), default="")
    estate: Mapped[str] = mapped_column(String(100), default="", index=True)
    building: Mapped[str] = mapped_column(String(20), default="")
    unit: Mapped[str] = mapped_column(String(20), default="")
    room: Mapped[str] = mapped_column(String(20), default="")
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id", ondelete="RESTRICT"), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    deactivated_on: Mapped[dt.date | None] = mapped_column(Date)
    deactivation_reason: Mapped[str] = mapped_column(String(200), default="")
    # " key1 key2 … ": full pinyin and initials (with surname readings) for search.
    search_keys: Mapped[str] = mapped_column(Text, default="")
    sort_key: Mapped[str] = mapped_column(String(200), default="", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)  # search index stamp

    grid: Mapped[Grid | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=resident_tags, order_by=Tag.sort_order)


class FamilyLink(Base):
    """`relative` is this resident's `relation` (e.g. relative is the guardian).

    Links are stored in both directions (the other row holds the inverse
    relation) so either person's record lists the other.
    """

    __tablename__ = "family_links"
    __table_args__ = (UniqueConstraint("resident_id", "relative_id", name="uq_family_links_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    relative_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(200), default="")

    relative: Mapped[Resident] = relationship(foreign_keys=[relative_id])
