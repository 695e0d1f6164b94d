"""The demo takes every id from the database (no explicit ids): afterwards, on SQLite and on
PostgreSQL (whose sequences explicit ids would leave behind), the desk adds residents, receives
tickets and records points as usual."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from app.models import LedgerEntry, Resident, Ticket
from app.services import counter, demo, points, residents
from app.services.counter import TicketInput
from app.services.points import EarnInput
from app.services.residents import ResidentInput
from tests.conftest import ADMIN

TODAY = dt.date(2026, 11, 2)


@pytest.mark.slow
def test_after_the_demo_the_desk_works_as_usual(db):
    demo.fill_demo(db, "village", seed=2, today=TODAY, head_count=300, actor=ADMIN)
    with db.session() as s:
        top_resident, top_ticket, top_entry = (s.scalar(select(func.max(m.id))) for m in (Resident, Ticket,
                                                                                         LedgerEntry))
    rid = residents.add_resident(db, ResidentInput(name="林小红", phone="13800000009"), actor=ADMIN)
    assert rid > top_resident and residents.search_ids(db, "林小红") == [rid]
    category = counter.list_categories(db)[0].id
    ticket = counter.receive_ticket(db, TicketInput(category_id=category, description="咨询社保",
                                                    resident_id=rid), actor=ADMIN, today=TODAY)
    assert ticket.id > top_ticket and ticket.number.startswith("FW202611-")
    hourly = points.list_service_types(db)[0].id
    entry = points.earn(db, EarnInput(rid, hourly, TODAY, minutes=60), actor=ADMIN, today=TODAY)
    assert entry > top_entry
