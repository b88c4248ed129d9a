"""Demo step of the roster: a roster file from the “market-regulation bureau”, imported.

It updates some of the demo enterprises entered by hand (those values become conflicts, kept
local) and adds new ones, so the demo shows imported and hand-entered records side by side.
"""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select

from app.demo import BRANDS, ROADS, TRADES, address, credit_code, person_name
from app.domain import reference
from app.roster.export import write_template
from app.roster.importer import import_file
from app.store.models import Enterprise
from app.store.store import Store


def demo_roster(store: Store, rng: random.Random, today: date) -> str:
    folder = store.data_dir / "demo"
    folder.mkdir(exist_ok=True)
    path = write_template(folder / "示例名录（市场监管局）.xlsx")
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb["企业名录"]
    ws.delete_rows(2)  # the template's example row
    with store.read() as s:
        known = s.execute(select(Enterprise.credit_code, Enterprise.name).limit(10)).all()
    stations = reference.stations()
    for code, name in known:  # the bureau's roster knows some enterprises already
        ws.append(
            [code, name, person_name(rng), None, address(rng), None, None, rng.choice([20, 60])]
        )
    for _ in range(40):
        industry, suffix = rng.choice(TRADES)
        employees = rng.choice([6, 15, 30, 80, 150, 400])
        ws.append([
            credit_code(rng),
            f"福州{rng.choice(BRANDS)}{rng.choice(BRANDS)}{suffix}",
            person_name(rng),
            f"0591-{rng.randrange(83000000, 88999999)}",
            f"福州市鼓楼区{rng.choice(ROADS)}{rng.randrange(1, 300)}号",
            rng.choice(stations).name,
            industry,
            employees,
            "小型" if employees < 100 else "中型",
            "是" if employees >= 100 else "否",
            rng.choice(["是", "否"]),
        ])  # fmt: skip
    wb.save(path)
    _plan, result = import_file(store, path)
    return f"名录导入（{path.name}）：{result.summary()}"
