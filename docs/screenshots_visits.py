"""Make the PNG screenshots of the workbench, the visit form and the five-one checklist.

    QT_QPA_PLATFORM=offscreen python docs/screenshots_visits.py [DATA_DIR]

Builds the demo station (``labor-station demo``) in a temporary folder unless DATA_DIR holds one
already (password ``Demo-pass-2026``), opens each widget on it and saves ``docs/*.png``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication

from app.cli.admin import DEMO_PASSWORD
from app.demo import build_demo_station
from app.domain.enums import FindingStatus
from app.domain.visits import CheckStatus, RiskIndicator
from app.store.store import Store
from app.ui.activities.section import ActivitiesSection
from app.ui.application import setup_application
from app.ui.context import AppContext
from app.ui.visits.visit_form import VisitForm
from app.ui.workbench.section import WorkbenchSection
from app.visits.ledger import LedgerFilter, list_findings

DOCS = Path(__file__).resolve().parent


def settle(app: QApplication, until=lambda: True, rounds: int = 400) -> None:
    import time

    for _ in range(rounds):
        app.processEvents()
        if until():
            break
        time.sleep(0.02)
    app.processEvents()


def main() -> None:
    app = QApplication(sys.argv)
    setup_application(app)
    if len(sys.argv) > 1 and Store.exists(Path(sys.argv[1])):
        data_dir = Path(sys.argv[1])
    else:
        data_dir = Path(tempfile.mkdtemp()) / "demo"
        build_demo_station(data_dir, "GUDONG", DEMO_PASSWORD)
    store = Store.open(data_dir, "admin", DEMO_PASSWORD)
    ctx = AppContext(store)
    today = date.today()

    workbench = WorkbenchSection(ctx)
    workbench.resize(1280, 1180)
    workbench.show()
    workbench.activated()
    settle(app, lambda: workbench.data is not None)
    workbench.grab().save(str(DOCS / "workbench.png"))

    # a follow-up visit at an enterprise with open ledger items, partly filled in
    row = next(r for r in list_findings(store, LedgerFilter(state="overdue"), today))
    form = VisitForm(ctx, enterprise_id=row.enterprise_id, today=today)
    form.resize(1120, 1150)
    form.show()
    form.visitors.setText("林站长、陈调解")
    form.contact_name.setText("王经理（人事主管）")
    form.contact_phone.setText("0591-87654321")
    for code in (
        "labor_contract",
        "social_insurance",
        "rest_leave",
        "union",
        "party_org",
        "publicity",
    ):
        r = form.rows[code]
        r.status.setCurrentIndex(r.status.findData(CheckStatus.OK.value))
    form.rows["publicity"].note.setText("发放《劳动合同法》宣传册20份")
    wage = form.rows["wage_payment"]
    wage.status.setCurrentIndex(wage.status.findData(CheckStatus.PROBLEM.value))
    wage.note.setText("10月工资至今未发放，涉及职工18人")
    wage.deadline.set_value(today + timedelta(days=7))
    wage.responsible.setText("王经理")
    form.indicator_boxes[RiskIndicator.UNPAID_WAGES].setChecked(True)
    if form.follow_rows:
        first = form.follow_rows[0]
        first.status.setCurrentIndex(first.status.findData(FindingStatus.RECTIFIED.value))
        first.note.setText("已按要求整改，查看了相关材料")
    settle(app)
    form.grab().save(str(DOCS / "visit-form.png"))
    form.close()

    activities = ActivitiesSection(ctx)
    activities.resize(1280, 860)
    activities.show()
    activities.activated()
    settle(app)
    activities.grab().save(str(DOCS / "five-one-checklist.png"))
    store.close()
    print(
        "saved", *(DOCS / n for n in ("workbench.png", "visit-form.png", "five-one-checklist.png"))
    )


if __name__ == "__main__":
    main()
