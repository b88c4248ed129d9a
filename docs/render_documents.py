"""Render every kind of case document from the demo station to PNG (docs/documents/).

    python docs/render_documents.py [OUT_DIR]

Builds a demo station (invented data) in a temporary folder, prints one case of each kind to PDF
with the same code the app uses, and converts the pages with pdftoppm (poppler). The PDFs are not
kept.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

os.environ.setdefault("LABOR_STATION_KDF_LOG2N", "10")
os.environ.setdefault("LABOR_STATION_TESTING", "1")  # the low KDF cost is allowed
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from app.cases.detail import load_case
from app.demo import build_demo_station
from app.documents.case_documents import load_context, render
from app.domain.enums import CaseStatus
from app.store.models import DisputeCase
from app.store.store import Store

PASSWORD = "Demo-pass-2026"


def pick(store, predicate) -> str:
    with store.read() as s:
        for case_id in s.scalars(select(DisputeCase.id).order_by(DisputeCase.registered_at.desc())):
            if predicate(load_case(s, case_id)):
                return case_id
    raise LookupError("no demo case fits")


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "documents"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="render-documents-") as tmp:
        data = Path(tmp) / "demo"
        build_demo_station(data, "GUDONG", PASSWORD)
        store = Store.open(data, "admin", PASSWORD)
        try:
            jobs = [
                ("application", pick(store, lambda d: d.oral_application), {}, 2),
                ("register", pick(store, lambda d: d.is_collective), {}, 1),
                ("acceptance", pick(store, lambda d: d.is_construction), {}, 6),
                (
                    "session_record",
                    pick(
                        store,
                        lambda d: len(d.sessions) >= 1 and d.status == CaseStatus.IN_MEDIATION,
                    ),
                    {},
                    1,
                ),
                ("agreement", pick(store, lambda d: len(d.agreements) >= 2), {}, 2),
                ("termination", pick(store, lambda d: d.status == CaseStatus.FAILED), {}, 2),
                (
                    "expiry_notice",
                    pick(
                        store,
                        lambda d: d.status == CaseStatus.IN_MEDIATION and d.extended_until,
                    ),
                    {},
                    2,
                ),
                *[
                    (
                        "decline",
                        pick(store, lambda d, c=category: d.decline_category == c),
                        {"name": f"decline-{category}"},
                        1,
                    )
                    for category in (
                        "not_labor_dispute",
                        "pending_elsewhere",
                        "respondent_refused",
                        "out_of_scope",
                    )
                ],
                (
                    "agreement",
                    pick(
                        store,
                        lambda d: (
                            d.is_construction
                            and d.current_agreement is not None
                            and any(
                                t.payer_enterprise_id not in (None, d.respondent_id)
                                for t in d.current_agreement.terms
                            )
                        ),
                    ),
                    {"name": "agreement-contractor"},
                    3,
                ),
                (
                    "review_application",
                    pick(store, lambda d: d.current_agreement is not None),
                    {},
                    2,
                ),
                (
                    "agreement",
                    pick(
                        store,
                        lambda d: (
                            d.is_collective
                            and d.current_agreement is not None
                            and any(t.schedule for t in d.current_agreement.terms)
                        ),
                    ),
                    {"name": "agreement-schedule"},
                    4,
                ),
                ("authorization", pick(store, lambda d: bool(d.agents)), {}, 2),
                (
                    "nonperformance",
                    pick(
                        store,
                        lambda d: bool(d.followups)
                        and any(st.overdue for _t, st in d.open_terms(date.today())),
                    ),
                    {},
                    2,
                ),
                ("referral", pick(store, lambda d: d.referral is not None), {}, 3),
                ("dossier", pick(store, lambda d: d.referral is not None), {}, 2),
                (
                    "acceptance",
                    pick(store, lambda d: d.employer_applied and d.accepted_on),
                    {"name": "acceptance-employer"},
                    4,
                ),
                (
                    "application",
                    pick(store, lambda d: d.is_dispatch),
                    {"name": "application-dispatch"},
                    2,
                ),
                (
                    "register",
                    pick(
                        store,
                        lambda d: any(c.dispute_type == "employment_status" for c in d.claims),
                    ),
                    {"name": "register-employment-status"},
                    1,
                ),
            ]
            for kind, case_id, options, pages in jobs:
                name = options.pop("name", kind)
                pdf = render(kind, load_context(store, case_id), **options)
                with tempfile.NamedTemporaryFile(suffix=".pdf", dir=tmp) as f:
                    f.write(pdf)
                    f.flush()
                    prefix = out / name
                    for old in out.glob(f"{name}-*.png"):
                        old.unlink()
                    subprocess.run(
                        ["pdftoppm", "-png", "-r", "70", "-l", str(pages), f.name, str(prefix)],
                        check=True,
                    )
                print(name, sorted(p.name for p in out.glob(f"{name}-*.png")))
        finally:
            store.close()
    return 0


if __name__ == "__main__":
    if not shutil.which("pdftoppm"):
        sys.exit("pdftoppm (poppler-utils) is needed")
    sys.exit(main())
