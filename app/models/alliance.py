"""The merchant alliance (爱心商铺联盟): shops that apply, are reviewed against the centre's
admission criteria (四美), join, promise public-benefit services (公益服务条款), get complaints and
quarterly evaluations, and may be suspended or leave. The rules live in services/alliance.py."""

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class BusinessType(Base):
    """A kind of shop from the centre's editable list (餐饮, 理发美容, 便利店 …)."""

    __tablename__ = "alliance_business_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Criterion(Base):
    """An admission and evaluation criterion from the centre's editable list (the seed's 四美)."""

    __tablename__ = "alliance_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class CommitmentType(Base):
    """A kind of public-benefit service from the centre's editable list (免费充电, 老人免费理发 …)."""

    __tablename__ = "alliance_commitment_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Merchant(Base):
    """A shop that applied to the alliance, and where it stands (`status`, moved only through
    services/alliance.py's state table). `credit_code` is the 统一社会信用代码; an individual business
    without one gives its 营业执照 number in `licence_number` instead."""

    __tablename__ = "alliance_merchants"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    licence_number: Mapped[str | None] = mapped_column(String(30), unique=True)
    business_type_id: Mapped[int | None] = mapped_column(ForeignKey("alliance_business_types.id",
                                                                    ondelete="RESTRICT"), index=True)
    contact_resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"),
                                                            index=True)
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(24), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    estate: Mapped[str] = mapped_column(String(100), default="")
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id", ondelete="RESTRICT"), index=True)
    applied_via: Mapped[str] = mapped_column(String(20))  # recommended / self / soe_lease
    recommended_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"))
    applied_on: Mapped[dt.date] = mapped_column(Date)
    batch: Mapped[str] = mapped_column(String(20), default="")  # 第一批, 第二批 …
    status: Mapped[str] = mapped_column(String(12), index=True)
    status_since: Mapped[dt.date] = mapped_column(Date)
    joined_on: Mapped[dt.date | None] = mapped_column(Date)  # the first admission
    left_on: Mapped[dt.date | None] = mapped_column(Date)
    member_code: Mapped[str | None] = mapped_column(String(12), unique=True)  # the certificate's QR: NDM:<code>
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class MerchantEvent(Base):
    """One move of a merchant's status: who, when, why."""

    __tablename__ = "alliance_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("alliance_merchants.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    by: Mapped[str] = mapped_column(String(50), default="")
    reason: Mapped[str] = mapped_column(Text, default="")


class Review(Base):
    """An admission review: each criterion met or not (ReviewItem), the reviewer, the decision."""

    __tablename__ = "alliance_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("alliance_merchants.id", ondelete="CASCADE"), index=True)
    reviewed_on: Mapped[dt.date] = mapped_column(Date)
    reviewer: Mapped[str] = mapped_column(String(50))
    decision: Mapped[str] = mapped_column(String(10))  # admit / reject
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ReviewItem(Base):
    __tablename__ = "alliance_review_items"
    __table_args__ = (UniqueConstraint("review_id", "criterion_id", name="uq_alliance_review_items_review_criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("alliance_reviews.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("alliance_criteria.id", ondelete="RESTRICT"), index=True)
    met: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(200), default="")


class Commitment(Base):
    """A public-benefit service a member promises: what, how often, from when until when."""

    __tablename__ = "alliance_commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("alliance_merchants.id", ondelete="CASCADE"), index=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("alliance_commitment_types.id", ondelete="RESTRICT"), index=True)
    detail: Mapped[str] = mapped_column(String(200), default="")
    frequency: Mapped[str] = mapped_column(String(50), default="")  # 每天, 每周二上午, 每月一次 …
    since: Mapped[dt.date] = mapped_column(Date)
    until: Mapped[dt.date | None] = mapped_column(Date)  # inclusive; None: open-ended


class Complaint(Base):
    """A complaint about a merchant: from a resident or a walk-in, what, how and when resolved."""

    __tablename__ = "alliance_complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("alliance_merchants.id", ondelete="CASCADE"), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date, index=True)
    complainant_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"), index=True)
    complainant_name: Mapped[str] = mapped_column(String(50), default="")  # a walk-in's
    complainant_phone: Mapped[str] = mapped_column(String(24), default="")
    what: Mapped[str] = mapped_column(Text)
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_on: Mapped[dt.date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Evaluation(Base):
    """One evaluator's score of a member on one criterion in a quarter ("2026-Q3"), 0-10."""

    __tablename__ = "alliance_evaluations"
    __table_args__ = (UniqueConstraint("merchant_id", "quarter", "evaluator", "criterion_id",
                                       name="uq_alliance_evaluations_merchant_quarter_evaluator_criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("alliance_merchants.id", ondelete="CASCADE"), index=True)
    quarter: Mapped[str] = mapped_column(String(7), index=True)
    evaluator: Mapped[str] = mapped_column(String(50))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("alliance_criteria.id", ondelete="RESTRICT"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
