"""``labor-district import-applications FILE``: applications exported by an external platform.

The workbook (.xlsx/.xlsm/.xls/.ods) is read in the reader child of :mod:`app.spreadsheet`
(the roster's safe reading: a hostile file ends at most that child). The header row is found
among the first rows by its column names; every row is checked as the public form checks it,
and a bad row is reported with its sheet row number and field, in Chinese. The good rows are
stored in one transaction (all or none of them), each routed to the station of its street; a
row whose platform number was imported before is skipped, so an export can be imported again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine, select

from app.district import db, roles
from app.district.applications import (
    FIELD_LABELS,
    ApplicationInvalid,
    check_application,
    create_application,
    dispute_type_choices,
)
from app.district.models_work import Application
from app.domain import reference
from app.domain.dates import iso_date
from app.domain.validators import to_halfwidth

#: header text (compared without spaces and brackets) -> field
HEADERS = {
    "external_ref": ("平台编号", "申请编号", "外部编号", "编号", "申请单号"),
    "received_on": ("申请日期", "申请时间", "收到日期", "提交时间", "提交日期"),
    "applicant_kind": ("申请人类型", "申请主体"),
    "applicant_name": ("申请人", "申请人姓名", "姓名"),
    "id_number": ("身份证号", "身份证号码", "证件号码", "公民身份号码"),
    "phone": ("联系电话", "手机", "手机号码", "电话"),
    "employer_name": ("用人单位", "用人单位名称", "被申请人", "单位名称"),
    "employer_credit_code": ("统一社会信用代码", "信用代码", "单位信用代码"),
    "street": ("街镇", "所在街镇", "工作地街镇", "工作地所在街镇", "街道", "街道镇"),
    "dispute_type": ("争议类型", "纠纷类型"),
    "claims": ("请求事项", "申请事项", "诉求", "调解请求"),
    "amount": ("涉及金额", "金额", "请求金额", "涉及金额元"),
    "facts": ("事实和理由", "事实与理由", "案情", "案情简介", "事实理由"),
}
REQUIRED = ("external_ref", "applicant_name", "id_number", "employer_name", "street")
EXTRA_LABELS = {"external_ref": "平台编号", "received_on": "申请日期", "street": "街镇"}
_KIND_WORDS = {"劳动者": "worker", "个人": "worker", "职工": "worker", "用人单位": "employer",
               "单位": "employer", "企业": "employer"}  # fmt: skip


def _key(text) -> str:
    return re.sub(r"[\s（）()【】\[\]：:*＊]", "", to_halfwidth(str(text or "")))


_BY_HEADER = {_key(h): f for f, hs in HEADERS.items() for h in hs}


@dataclass
class BadRow:
    row: int
    field: str
    message: str

    def text(self, sheet: str) -> str:
        return f"工作表“{sheet}”第{self.row}行 {self.field}：{self.message}"


@dataclass
class ImportReport:
    file: str
    sheet: str = ""
    imported: list[tuple[int, str, str]] = field(default_factory=list)  # row, reference, station
    skipped: list[tuple[int, str]] = field(default_factory=list)  # row, platform number
    bad: list[BadRow] = field(default_factory=list)
    problem: str | None = None

    def lines(self) -> list[str]:
        if self.problem:
            return [f"错误：{self.problem}"]
        out = [f"已导入 {len(self.imported)} 份申请（{self.file}，工作表“{self.sheet}”）"]
        by_station: dict[str, int] = {}
        for _row, _ref, code in self.imported:
            by_station[code] = by_station.get(code, 0) + 1
        for code, n in by_station.items():
            out.append(f"  分派到{roles.station_name(code)}：{n} 份")
        if self.skipped:
            out.append(f"已导入过、跳过 {len(self.skipped)} 行（平台编号相同）")
        if self.bad:
            out.append(f"有误、未导入 {len(self.bad)} 处（请更正后重新导入，已导入的不会重复）：")
            out.extend("  " + b.text(self.sheet) for b in self.bad)
        return out


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return iso_date(value if isinstance(value, date) else value.date())
    return str(value).strip()


def _cell_date(value, today: date) -> tuple[date | None, str | None]:
    if value in (None, ""):
        return today, None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = to_halfwidth(str(value)).strip()
        m = re.match(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
        if not m:
            return None, "日期格式不正确（应如 2026-12-01）"
        try:
            day = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None, f"日期 {text[:20]} 不存在"
    if day > today:
        return None, "申请日期晚于今天"
    if day.year < 2000:
        return None, "申请日期不合理"
    return day, None


def _find_header(rows: list[list]) -> tuple[int, dict[int, str]] | None:
    for i, row in enumerate(rows):
        mapping = {}
        for j, cell in enumerate(row):
            f = _BY_HEADER.get(_key(cell))
            if f and f not in mapping.values():
                mapping[j] = f
        if len([f for f in mapping.values() if f in REQUIRED]) >= 3:
            return i, mapping
    return None


def import_applications_file(
    engine: Engine, path: Path, *, actor: str, today: date | None = None
) -> ImportReport:
    from app.roster.errors import RosterFileError
    from app.roster.reader import Workbook

    today = today or date.today()
    report = ImportReport(file=path.name)
    if not path.is_file():
        report.problem = f"找不到文件：{path}"
        return report
    try:
        with Workbook(path) as wb:
            names = wb.sheet_names
            sheet = wb.load(names[0]) if names else None
            if sheet is None or not sheet.height:
                report.problem = f"{path.name}：工作表是空的"
                return report
            report.sheet = sheet.name
            found = _find_header(sheet.head(45))
            if found is None:
                report.problem = (
                    f"{path.name} 工作表“{sheet.name}”：前45行中没有找到表头"
                    "（应有 平台编号、申请人、身份证号、用人单位、街镇 等列）"
                )
                return report
            header_index, mapping = found
            missing = [f for f in REQUIRED if f not in mapping.values()]
            if missing:
                report.problem = f"{path.name} 工作表“{sheet.name}”：缺少列 " + "、".join(
                    _label(f) for f in missing
                )
                return report
            rows = [
                (sheet.start_row + header_index + 2 + k, row)
                for k, row in enumerate(sheet.iter_rows(skip=header_index + 1))
            ]
    except RosterFileError as exc:
        report.problem = str(exc)
        return report
    _store(engine, rows, mapping, report, actor, today)
    return report


def _label(f: str) -> str:
    return EXTRA_LABELS.get(f) or FIELD_LABELS.get(f, f)


def _store(engine, rows, mapping, report: ImportReport, actor: str, today: date) -> None:
    sessions = db.sessions(engine)
    with sessions() as s, s.begin():
        known = set(
            s.scalars(select(Application.external_ref).where(Application.external_ref.is_not(None)))
        )
        types = dispute_type_choices(s)
        # the list's names, and their parts as platforms write them (劳动报酬/拖欠工资: 拖欠工资)
        type_by_name = {part: code for code, name in types for part in name.split("/")}
        type_by_name |= {name: code for code, name in types} | {code: code for code, _ in types}
        seen: dict[str, int] = {}
        for number, row in rows:
            values = {f: row[j] if j < len(row) else None for j, f in mapping.items()}
            texts = {f: _cell_text(v) for f, v in values.items()}
            if not any(texts.values()):
                continue  # a blank row
            if texts.get("applicant_name", "").startswith(("合计", "说明", "注：")):
                continue
            ref = texts.get("external_ref", "")
            if not ref:
                report.bad.append(BadRow(number, "平台编号", "必填"))
                continue
            if len(ref) > 60:
                report.bad.append(BadRow(number, "平台编号", "不超过60个字符"))
                continue
            if ref in known:
                report.skipped.append((number, ref))
                continue
            if ref in seen:
                report.bad.append(BadRow(number, "平台编号", f"与第{seen[ref]}行重复"))
                continue
            seen[ref] = number
            errors: list[BadRow] = []
            received, problem = _cell_date(values.get("received_on"), today)
            if problem:
                errors.append(BadRow(number, "申请日期", problem))
            street = texts.get("street", "")
            station = reference.station_by_name(street) if street else None
            kind_text = texts.get("applicant_kind", "")
            form = {
                "applicant_kind": _KIND_WORDS.get(kind_text, "worker" if not kind_text else ""),
                "applicant_name": texts.get("applicant_name", ""),
                "id_number": texts.get("id_number", ""),
                "phone": texts.get("phone", ""),
                "employer_name": texts.get("employer_name", ""),
                "employer_credit_code": texts.get("employer_credit_code", ""),
                "station_code": station.code if station else "",
                "dispute_type": type_by_name.get(texts.get("dispute_type", ""), "")
                or ("other" if not texts.get("dispute_type") and "other" in type_by_name else ""),
                "claims": texts.get("claims", ""),
                "amount": texts.get("amount", ""),
                "facts": texts.get("facts", ""),
                "consent": "1",
            }
            try:
                data = check_application(s, form, [], today=today)
            except ApplicationInvalid as exc:
                for f, message in exc.errors.items():
                    if f == "station_code":
                        message = f"“{street[:20]}”不是本区的街镇" if street else "必填"
                        errors.append(BadRow(number, "街镇", message))
                    elif f == "dispute_type" and texts.get("dispute_type"):
                        errors.append(
                            BadRow(
                                number,
                                "争议类型",
                                f"“{texts['dispute_type'][:20]}”不在区级代码表中",
                            )
                        )
                    elif f == "applicant_kind":
                        errors.append(BadRow(number, "申请人类型", "应为 劳动者 或 用人单位"))
                    else:
                        errors.append(BadRow(number, FIELD_LABELS.get(f, f), message))
            if errors:
                report.bad.extend(errors)
                continue
            row_app = create_application(
                s, data, source="import", received_on=received, external_ref=ref
            )
            report.imported.append((number, row_app.reference, row_app.station_code))
        if report.imported:
            roles.audit(
                s,
                actor,
                "applications.import",
                f"从 {report.file[:80]} 导入申请 {len(report.imported)} 份"
                + (f"，有误 {len(report.bad)} 处未导入" if report.bad else ""),
                target_kind="import",
                target_id=report.file[:80],
            )
