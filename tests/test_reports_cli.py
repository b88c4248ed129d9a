"""``labor-station report`` end to end on a real store."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.cli.main import main
from app.domain.enums import CaseStatus
from tests import visits_factory as fx
from tests.conftest import ADMIN_PASSWORD


@pytest.fixture
def station(store, data_dir, monkeypatch):
    with store.unit_of_work() as s:
        firm = fx.enterprise(s, "福州闽江软件有限公司")
        fx.case(
            s,
            received=date(2026, 7, 2),
            status=CaseStatus.IN_MEDIATION,
            claims=[("wages", "8800")],
            workers=3,
            respondent=firm,
        )
        fx.case(
            s,
            received=date(2026, 8, 30),
            status=CaseStatus.WITHDRAWN,
            claims=[("overtime", "1200")],
        )
    store.close()
    monkeypatch.setenv("LABOR_STATION_PASSWORD", ADMIN_PASSWORD)
    return data_dir


def test_quarter_report_with_pdf(station, tmp_path, capsys):
    out = tmp_path / "q3.xlsx"
    assert (
        main(["report", "--data-dir", str(station), "--period", "2026-Q3", "-o", str(out), "--pdf"])
        == 0
    )
    printed = capsys.readouterr().out
    assert (
        "2026年第三季度" in printed and "受理案件 2 件" in printed and "涉及劳动者 4 人" in printed
    )
    ws = load_workbook(out)["调解统计表"]
    total = next(r for r in ws.iter_rows(values_only=True) if r[0] == "合计")
    assert total[1:4] == (2, 4, 10000)
    assert len(PdfReader(tmp_path / "q3.pdf").pages) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2026-13"], "月份应在1到12之间"),
        (["--from", "2026-10-05"], "请用 --period 指定统计期间"),
        (["--period", "2026", "--from", "2026-01-01", "--to", "2026-02-01"], "只能选一种"),
        (["--from", "2026-10-05", "--to", "2026-10-01"], "早于开始日期"),
    ],
)
def test_bad_periods_exit_non_zero(station, tmp_path, capsys, args, message):
    assert main(["report", "--data-dir", str(station), *args, "-o", str(tmp_path / "x.xlsx")]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_range_to_pdf_only_and_bad_outputs(station, tmp_path, capsys):
    pdf = tmp_path / "range.pdf"
    assert (
        main(
            [
                "report",
                "--data-dir",
                str(station),
                "--from",
                "2026-07-01",
                "--to",
                "2026-07-31",
                "-o",
                str(pdf),
            ]
        )
        == 0
    )
    assert "受理案件 1 件" in capsys.readouterr().out and pdf.exists()
    assert (
        main(
            [
                "report",
                "--data-dir",
                str(station),
                "--period",
                "2026",
                "-o",
                str(tmp_path / "x.csv"),
            ]
        )
        == 1
    )
    assert "应以 .xlsx 或 .pdf 结尾" in capsys.readouterr().err
    assert (
        main(
            [
                "report",
                "--data-dir",
                str(station),
                "--period",
                "2026",
                "-o",
                str(tmp_path / "no" / "x.xlsx"),
            ]
        )
        == 1
    )
    assert "文件夹不存在" in capsys.readouterr().err
