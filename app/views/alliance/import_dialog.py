"""Import an existing merchant list (爱心商铺名单): choose the file, see what it would do (read on the
worker), import. Rejected rows go to a workbook beside the file (services/alliance_import.py); a
shop already on file is updated. The dialog itself is views/shared/ledger_import.py."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from app.db import Database
from app.i18n import _, format_number
from app.services.access import Actor
from app.views.notices import Notices
from app.views.shared.ledger_import import SheetImportDialog, summary_lines

TOPIC = "alliance"


def import_merchants(parent: QWidget | None, db: Database, notices: Notices | None, *,
                     actor: Actor) -> MerchantListImportDialog:
    """The merchant-list import (the tab's menu entry calls this); returns the dialog after it closed."""
    dialog = MerchantListImportDialog(db, parent, notices=notices, actor=actor)
    dialog.exec()
    return dialog


def _lines(result) -> list[str]:
    if result.preview:
        counts = [_("Merchants to add: {n}").format(n=format_number(result.added)),
                  _("Merchants to update: {n}").format(n=format_number(result.updated))]
    else:
        counts = [_("Merchants added: {n}").format(n=format_number(result.added)),
                  _("Merchants updated: {n}").format(n=format_number(result.updated))]
    return summary_lines(result, counts)


def _preview(db: Database, path: Path, actor: Actor):
    from app.services import alliance_import

    return alliance_import.preview(db, path, actor=actor)


def _import(db: Database, path: Path, actor: Actor):
    from app.services import alliance_import

    return alliance_import.import_merchants(db, path, actor=actor)


class MerchantListImportDialog(SheetImportDialog):
    def __init__(self, db: Database, parent: QWidget | None = None, *, notices: Notices | None = None,
                 actor: Actor):
        super().__init__(
            parent, title=_("Import a merchant list"),
            hint=_("An Excel merchant list (.xlsx) or a CSV file with one shop per row and headers such as "
                   "商铺名称, 统一社会信用代码 (or 营业执照号), 行业, 负责人, 联系电话, 经营地址, 申请方式, 推荐人, "
                   "状态, 入盟日期, 公益服务. A shop already on file (the same code) is updated; a member is "
                   "admitted on its 入盟日期. A recommender must be a registered resident."),
            preview=lambda path: _preview(db, path, actor), write=lambda path: _import(db, path, actor),
            lines=_lines, topic=TOPIC, notices=notices)
        self.db, self.actor = db, actor
