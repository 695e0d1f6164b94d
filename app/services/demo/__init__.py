"""Realistic demo data: a village centre (~1,500 residents) or a large urban community (26,000
residents, 23 estates, 39 third-level grids), with a year of each feature's activity ending today.

Each feature brings its own part (`demo=` in app/features.py: `fill(ctx) -> DemoPart`, here in
`demo/<feature>.py`); `fill_demo` runs them in the order of the features, handing each the same
`DemoContext`. Running it again on a database that already holds demo data adds nothing.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from app import features
from app.db import Database
from app.i18n import _
from app.services import access, centre
from app.services.demo.common import DEMO_MARKER, SCALES, SPECS, TOWN, VILLAGE, DemoContext, DemoPart

__all__ = ["DEMO_MARKER", "SCALES", "VILLAGE", "TOWN", "DemoContext", "DemoPart", "DemoSummary", "fill_demo"]


@dataclass
class DemoSummary:
    scale: str
    added: bool
    counts: dict[str, int] = field(default_factory=dict)  # by feature name: what was added (or is there)
    phrases: list[str] = field(default_factory=list)      # the same, translated: "1,500 名居民"

    def describe(self) -> str:
        """The parts in one line: "1,500 名居民、1,012 件便民服务工单"."""
        return _(", ").join(self.phrases)


def fill_demo(db: Database, scale: str = "village", seed: int = 1,
              progress: Callable[[int, int], None] | None = None,
              today: dt.date | None = None, head_count: int | None = None, *,
              actor: access.Actor | None = None) -> DemoSummary:
    """Fill the database; `head_count` overrides the scale's number of residents (benchmarks).

    `actor` (default: the operating-system user) needs to be allowed to add
    residents; the audit trail records them adding the demo data. The demo's
    own centre details, grids, tags, request categories and public holidays are
    set up by a system actor named "demo". The year of activity ends on
    `today` (default: the real today).
    """
    if scale not in SCALES:
        raise ValueError(scale)
    actor = actor or access.current_os_actor()
    access.require(actor, access.RESIDENTS_CREATE)
    existing = centre.get_setting(db, DEMO_MARKER)
    if not existing:  # demo data never mixes with a centre's real residents
        from sqlalchemy import func, select

        from app.errors import DeskError
        from app.models import Resident

        with db.session() as s:
            if s.scalar(select(func.count()).select_from(Resident)):
                raise DeskError(_("This database already holds residents that are not demo data; "
                                  "demo data goes only into a new, empty database."))
    ctx = DemoContext(db=db, scale=existing or scale, spec=SPECS.get(existing or scale, SPECS[scale]), seed=seed,
                      today=today or dt.date.today(), actor=actor, system=access.Actor("demo", access.ADMINISTRATOR),
                      progress=progress, head_count=head_count, adding=not existing)
    summary = DemoSummary(ctx.scale, ctx.adding)
    for feature in features.FEATURES:
        if feature.demo:
            part: DemoPart = features.resolve(feature.demo)(ctx)
            summary.counts[feature.name] = part.count
            summary.phrases.append(part.phrase)
    if ctx.adding:
        centre.set_setting(db, DEMO_MARKER, scale, actor=ctx.system)
    return summary
