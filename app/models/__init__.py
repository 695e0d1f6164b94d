"""SQLAlchemy models. Import from here so every table is registered on Base.metadata.

The model modules do without `from __future__ import annotations`: with it, SQLAlchemy evaluates
every `Mapped[...]` annotation from its text as the classes are declared (about 17 ms of start-up
for some 430 columns). tests/views/test_startup_imports.py holds them to it."""
from app.models.afterschool import (ChildProfile, ClassAttendance, ClassType, Enrolment, PickupPerson,
                                     SchoolClass, SessionChange)
from app.models.alliance import (BusinessType, Commitment, CommitmentType, Complaint, Criterion, Evaluation,
                                  Merchant, MerchantEvent, Review, ReviewItem)
from app.models.audit import AuditLog
from app.models.points import LedgerEntry, PointsAccount, ServiceRate, ServiceType, Voucher, VoucherType
from app.models.base import Base
from app.models.calendar import Holiday
from app.models.consent import Consent
from app.models.counter import RequestCategory, Ticket, TicketEvent
from app.models.daycare import (Attendance, DaycareContact, DaycareProfile, Diet, Meal, MealPrice,
                                 SubsidyCategory, WalkInMeals)
from app.models.activities import Activity, ActivityParticipant, ActivityPartner, ActivityType
from app.models.grid import COMMUNITY, GRID, SUB_GRID, Grid
from app.models.resident import FamilyLink, Resident, Tag, resident_tags
from app.models.settings import Setting
from app.models.staff import Staff

__all__ = ["Base", "Grid", "COMMUNITY", "GRID", "SUB_GRID", "Resident", "Tag", "FamilyLink",
           "resident_tags", "Setting", "Staff", "AuditLog", "Consent",
           "RequestCategory", "Holiday", "Ticket", "TicketEvent",
           "Diet", "SubsidyCategory", "DaycareProfile", "DaycareContact", "Attendance", "Meal",
           "WalkInMeals", "MealPrice",
           "ClassType", "SchoolClass", "SessionChange", "ChildProfile", "PickupPerson", "Enrolment",
           "ClassAttendance",
           "BusinessType", "Criterion", "CommitmentType", "Merchant", "MerchantEvent", "Review", "ReviewItem",
           "Commitment", "Complaint", "Evaluation",
           "ServiceType", "ServiceRate", "PointsAccount", "LedgerEntry", "VoucherType", "Voucher",
           "ActivityType", "Activity", "ActivityPartner", "ActivityParticipant"]
