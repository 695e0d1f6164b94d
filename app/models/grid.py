
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base

COMMUNITY, GRID, SUB_GRID = 1, 2, 3


class Grid(Base):
    """A node of the grid tree: community (1) → grid (2) → sub-grid (3)."""

    __tablename__ = "grids"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id", ondelete="RESTRICT"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    worker_name: Mapped[str] = mapped_column(String(50), default="")
    worker_phone: Mapped[str] = mapped_column(String(20), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped["Grid | None"] = relationship(remote_side="Grid.id", back_populates="children")
    children: Mapped[list["Grid"]] = relationship(back_populates="parent", order_by="Grid.sort_order")
