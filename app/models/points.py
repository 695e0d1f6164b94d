"""Volunteer points (共治积分) and vouchers (积分兑换): a ledger that is never edited, only added to.
The rules live in services/points.py."""

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class ServiceType(Base):
    """A kind of volunteer service from the centre's published list (环境整治 …), counted by the
    hour or by the occasion; its points are ServiceRate's."""

    __tablename__ = "points_service_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    unit: Mapped[str] = mapped_column(String(10))  # hour / occasion
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class ServiceRate(Base):
    """The points per hour or per occasion of a service type from `valid_from` until the next rate."""

    __tablename__ = "points_service_rates"
    __table_args__ = (UniqueConstraint("service_type_id", "valid_from", name="uq_points_service_rates_type_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_type_id: Mapped[int] = mapped_column(ForeignKey("points_service_types.id", ondelete="RESTRICT"),
                                                 index=True)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    points: Mapped[int] = mapped_column(Integer)


class PointsAccount(Base):
    """A resident's balance, kept beside the ledger so that a spend is one guarded UPDATE
    (balance >= cost) that a second desk cannot interleave; always the sum of the entries."""

    __tablename__ = "points_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), unique=True)
    balance: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class LedgerEntry(Base):
    """One movement of a resident's points: earned (+), spent on a voucher (−), a refund of an
    expired voucher (+), or the reversal of an earlier entry (its opposite, pointing at it; an
    entry is reversed at most once). Never edited, never deleted."""

    __tablename__ = "points_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # earn / spend / refund / reverse
    points: Mapped[int] = mapped_column(Integer)  # signed
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    service_type_id: Mapped[int | None] = mapped_column(ForeignKey("points_service_types.id", ondelete="RESTRICT"),
                                                        index=True)
    quantity: Mapped[int | None] = mapped_column(Integer)  # earned: minutes (by the hour) or occasions
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("points_vouchers.id", ondelete="RESTRICT"), index=True)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("points_ledger.id", ondelete="RESTRICT"), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")  # what for; a reversal's reason
    recorded_by: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class VoucherType(Base):
    """An entry of the voucher catalogue: a goods, service or consumption voucher (物品券 / 服务券 /
    消费券) honoured by an alliance merchant or the centre (`merchant_id` None), its points, stock
    and validity."""

    __tablename__ = "points_voucher_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(12))  # goods / service / consumption
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("alliance_merchants.id", ondelete="RESTRICT"),
                                                    index=True)
    points: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date] = mapped_column(Date)  # inclusive: vouchers issued expire then at the latest
    days_valid: Mapped[int | None] = mapped_column(Integer)  # a voucher expires this many days after issue
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Voucher(Base):
    """An issued voucher: its unguessable code (QR `NDV:<code>`), whose it is, until when it is good,
    and its redemption (once, at its merchant or the centre) or refund."""

    __tablename__ = "points_vouchers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    voucher_type_id: Mapped[int] = mapped_column(ForeignKey("points_voucher_types.id", ondelete="RESTRICT"),
                                                 index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    points: Mapped[int] = mapped_column(Integer)  # what it cost
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    issued_by: Mapped[str] = mapped_column(String(50), default="")
    expires_on: Mapped[dt.date] = mapped_column(Date, index=True)
    redeemed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    redeemed_by: Mapped[str] = mapped_column(String(50), default="")
    redeemed_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("alliance_merchants.id",
                                                                        ondelete="RESTRICT"))
    refunded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
