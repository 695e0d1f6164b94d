"""The grid tree (网格): community → grid → sub-grid, each with a responsible
grid worker. Residents belong to a sub-grid."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.db import Database
from app.errors import NotFoundError, ValidationError
from app.i18n import N_, _
from app.models import COMMUNITY, SUB_GRID, Grid, Resident
from app.services import access, audit
from app.services.validators import InvalidValue, normalise_phone

LEVEL_LABELS = {1: N_("Community"), 2: N_("Grid"), 3: N_("Sub-grid")}


@dataclass
class GridNode:
    id: int
    parent_id: int | None
    level: int
    name: str
    worker_name: str
    worker_phone: str
    resident_count: int = 0  # active residents here and in the grids below
    children: list["GridNode"] = field(default_factory=list)


def grid_path(session, grid_id: int | None) -> str:
    names = []
    grid = session.get(Grid, grid_id) if grid_id is not None else None
    while grid is not None:
        names.append(grid.name)
        grid = grid.parent
    return " / ".join(reversed(names))


def grid_tree(db: Database, counted: bool = True) -> list[GridNode]:
    """The whole tree (roots first, children in order), with resident counts unless not `counted`:
    counting reads every active resident (8 ms in a town, 40 ms at four times that), which a
    list of grids to choose from does not show."""
    g = Grid.__table__.c
    counting = (select(Resident.grid_id, func.count(Resident.id))
                .where(Resident.active.is_(True)).group_by(Resident.grid_id))
    with db.engine.connect() as con:
        counts = dict(con.execute(counting).all()) if counted else {}
        rows = con.execute(select(g.id, g.parent_id, g.level, g.name, g.worker_name, g.worker_phone)
                           .order_by(g.level, g.sort_order, g.id)).all()
    nodes = {row.id: GridNode(*row, counts.get(row.id, 0)) for row in rows}
    roots = []
    for node in nodes.values():
        if node.parent_id is None:
            roots.append(node)
        else:
            nodes[node.parent_id].children.append(node)
    # A grid's count includes everyone in the grids below it (deepest level first).
    for node in sorted(nodes.values(), key=lambda n: -n.level):
        if node.parent_id is not None:
            nodes[node.parent_id].resident_count += node.resident_count
    return roots


def grid_and_descendants(db: Database, grid_id: int) -> list[int]:
    """The grid itself and every grid below it."""
    with db.session() as s:
        parents = dict(s.execute(select(Grid.id, Grid.parent_id)).all())
    found = {grid_id}
    changed = True
    while changed:
        changed = False
        for child, parent in parents.items():
            if parent in found and child not in found:
                found.add(child)
                changed = True
    return sorted(found)


def grid_choices(db: Database, *, paths: bool = False) -> list[tuple[int, str]]:
    """(id, indented name) for every grid of the tree, for filters; with `paths`, "第一网格 / 一组"
    instead (below the community), which reads well in a closed combo box."""
    out = []

    def walk(node: GridNode, trail: list[str]) -> None:
        depth = len(trail)
        label = " / ".join(trail[1:] + [node.name]) if paths and depth else "　" * depth + node.name
        out.append((node.id, label))
        for child in node.children:
            walk(child, trail + [node.name])

    for root in grid_tree(db, counted=False):
        walk(root, [])
    return out


def responsible_workers(db: Database) -> dict[int, str]:
    """Grid id → the grid worker in charge: the grid's own, or else the nearest one above it."""
    with db.session() as s:
        rows = {gid: (parent, worker) for gid, parent, worker in
                s.execute(select(Grid.id, Grid.parent_id, Grid.worker_name))}
    out: dict[int, str] = {}
    for gid in rows:
        node, seen = gid, set()
        while node is not None and node not in seen and not rows[node][1]:
            seen.add(node)
            node = rows[node][0]
        out[gid] = rows[node][1] if node is not None and node in rows else ""
    return out


def sub_grid_choices(db: Database) -> list[tuple[int, str]]:
    """(id, "grid / sub-grid") for every sub-grid, for a resident's grid field."""
    out = []
    for root in grid_tree(db, counted=False):
        for grid in root.children:
            for sub in grid.children:
                out.append((sub.id, f"{grid.name} / {sub.name}"))
    return out


def _values(name: str, worker_name: str, worker_phone: str) -> dict:
    errors = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = _("Please enter the grid's name.")
    phone = ""
    if (worker_phone or "").strip():
        try:
            phone = normalise_phone(worker_phone)
        except InvalidValue as exc:
            errors["worker_phone"] = exc.message
    if errors:
        raise ValidationError(errors)
    return {"name": name[:100], "worker_name": (worker_name or "").strip()[:50], "worker_phone": phone}


def _check_unique(session, parent_id: int | None, name: str, own_id: int | None) -> None:
    same = session.scalar(select(Grid.id).where(Grid.parent_id.is_(parent_id) if parent_id is None
                                                else Grid.parent_id == parent_id, Grid.name == name))
    if same is not None and same != own_id:
        raise ValidationError({"name": _("There is already a grid called {name} here.").format(name=name)})


def add_grid(db: Database, parent_id: int | None, name: str, worker_name: str = "",
             worker_phone: str = "", *, actor: access.Actor) -> int:
    access.require(actor, access.SETTINGS_EDIT)
    values = _values(name, worker_name, worker_phone)
    with db.session() as s:
        level = COMMUNITY
        if parent_id is not None:
            parent = s.get(Grid, parent_id)
            if parent is None:
                raise NotFoundError(_("That grid no longer exists."))
            if parent.level >= SUB_GRID:
                raise ValidationError({"name": _("A sub-grid cannot have grids below it.")})
            level = parent.level + 1
        _check_unique(s, parent_id, values["name"], None)
        order = s.scalar(select(func.count(Grid.id)).where(
            Grid.parent_id.is_(None) if parent_id is None else Grid.parent_id == parent_id)) or 0
        grid = Grid(parent_id=parent_id, level=level, sort_order=order, **values)
        s.add(grid)
        s.flush()
        audit.record(s, actor, "create", "grid", grid.id, grid_path(s, grid.id), audit.diff({}, values))
        return grid.id


def update_grid(db: Database, grid_id: int, name: str, worker_name: str, worker_phone: str, *,
                actor: access.Actor) -> None:
    access.require(actor, access.SETTINGS_EDIT)
    values = _values(name, worker_name, worker_phone)
    with db.session() as s:
        grid = s.get(Grid, grid_id)
        if grid is None:
            raise NotFoundError(_("That grid no longer exists."))
        _check_unique(s, grid.parent_id, values["name"], grid_id)
        before = {key: getattr(grid, key) for key in values}
        for key, value in values.items():
            setattr(grid, key, value)
        changes = audit.diff(before, values)
        if changes:
            audit.record(s, actor, "update", "grid", grid_id, grid_path(s, grid_id), changes)


def delete_grid(db: Database, grid_id: int, *, actor: access.Actor) -> None:
    """Remove an empty grid; one with sub-grids or residents is refused."""
    access.require(actor, access.RECORDS_DELETE)
    with db.session() as s:
        grid = s.get(Grid, grid_id)
        if grid is None:
            raise NotFoundError(_("That grid no longer exists."))
        if grid.children:
            raise ValidationError({"grid": _("{name} still has grids below it; remove those first.")
                                   .format(name=grid.name)})
        used = s.scalar(select(func.count(Resident.id)).where(Resident.grid_id == grid_id)) or 0
        if used:
            raise ValidationError({"grid": _("{count} residents belong to {name}; move them to "
                                             "another grid first.").format(count=used, name=grid.name)})
        audit.record(s, actor, "delete", "grid", grid_id, grid_path(s, grid_id),
                     audit.diff({key: getattr(grid, key) for key in ("name", "worker_name", "worker_phone")}, {}))
        s.delete(grid)
