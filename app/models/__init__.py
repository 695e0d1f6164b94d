"""SQLAlchemy models. Import from here so every table is registered on Base.metadata."""
from app.models.base import Base
from app.models.grid import COMMUNITY, GRID, SUB_GRID, Grid
from app.models.resident import FamilyLink, Resident, Tag, resident_tags
from app.models.settings import Setting

__all__ = ["Base", "Grid", "COMMUNITY", "GRID", "SUB_GRID", "Resident", "Tag", "FamilyLink",
           "resident_tags", "Setting"]
