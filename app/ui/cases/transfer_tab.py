"""调解案件 → 移交案件: cases other stations (or the district) transferred to this station.

接收并登记 opens the ordinary registration dialog prefilled from the transfer (parties,
respondent, claims, facts, the employment status, the original receipt date: the Art. 14 clock
keeps running); once registered the case names the case it came from (移交自) and the
attachments become its own. 不予接收 asks for the category and the reason. Both reach the
district, and the sending station, at the next sync.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtWidgets import QWidget

from app.cases.transfers import (
    IN_STATUS,
    intake_draft_state,
    intake_form,
    list_incoming,
    mark_accepted,
    station_label,
    transfer_data,
)
from app.domain import reference
from app.domain.dates import iso_date
from app.domain.enums import EmploymentStatus
from app.domain.validators import mask_id_number
from app.ui.cases.common import to_qdate
from app.ui.cases.inbox_tab import InboxTab
from app.ui.cases.intake_dialog import IntakeDialog
from app.ui.cases.transfer_dialog import DeclineTransferDialog
from app.ui.context import AppContext

COLUMNS = ("移交站点", "原案号", "收到申请日期", "申请人", "被申请人", "请求事项", "附件", "状态")


class TransfersTab(InboxTab):
    """The list, the selected transfer's content, and the two decisions."""

    COLUMNS = COLUMNS
    WIDTHS = (90, 210, 100, 120, 200, 160, 50)
    ACCEPT_TEXT = "接收并登记…"
    DECLINE_TEXT = "不予接收…"
    NOTE = (
        "移交：其他站点或区级移交本站办理的案件，在同步时收到；收到申请日期沿用原站点的"
        "（十五日调解期限照常计算）。接收登记或不予接收的结果在下次同步时报送区级和移交站点。"
    )
    CHOOSE_TEXT = "选择一件移交的案件查看内容。"
    EMPTY_TEXT = "目前没有移交本站的案件。"

    def __init__(self, ctx: AppContext, today: Callable[[], date], parent: QWidget | None = None):
        super().__init__(ctx, today, parent)
        self.intake: IntakeDialog | None = None
        self.decline_dialog: DeclineTransferDialog | None = None
        self._selected()

    def load_rows(self) -> list:
        return list_incoming(self.ctx.store)

    def row_values(self, row) -> tuple[str, ...]:
        status = IN_STATUS.get(row.status, row.status)
        if row.status == "accepted":
            status += f"（{row.to_case_no}）"
        return (station_label(row.from_station), row.from_case_no, iso_date(row.received_on),
                row.applicants, row.respondent, row.claims, str(row.files) if row.files else "",
                status + self.status_suffix(row))  # fmt: skip

    def select_case_no(self, case_no: str) -> None:
        for r, row in enumerate(self.rows):
            if row.from_case_no == case_no:
                self.table.selectRow(r)

    def detail_lines(self, row) -> list[str]:
        d = transfer_data(self.ctx.store, row.id)
        status = d.get("employment_status")
        employment = EmploymentStatus(status).label if status else "未登记"
        if d.get("employment_ended_on"):
            employment += f"（{d['employment_ended_on']}）"
        lines = [
            f"移交：{station_label(row.from_station)} {row.from_case_no} → 本站"
            f"    收到申请日期：{iso_date(row.received_on)}",
            f"移交理由：{row.reason}",
        ]
        for i, w in enumerate(d.get("workers") or [], start=1):
            lines.append(f"申请人{i}：{w.get('name') or ''}    身份证号："
                         f"{mask_id_number(w.get('id_number'))}    电话：{w.get('phone') or ''}")  # fmt: skip
        e = d.get("respondent") or {}
        lines.append(f"被申请人：{e.get('name') or ''}"
                     + (f"（{e['credit_code']}）" if e.get("credit_code") else ""))  # fmt: skip
        for c in d.get("claims") or []:
            amount = f" {c['amount']} 元" if c.get("amount") else ""
            lines.append(f"请求事项：{reference.dispute_type_name(c.get('dispute_type') or '')}"
                         f"{amount} {c.get('description') or ''}".rstrip())  # fmt: skip
        lines.append(f"劳动关系：{employment}")
        lines.append(f"事实与理由：{d.get('facts') or ''}")
        lines.append(
            "附件：" + ("、".join(f["filename"] for f in d.get("files") or []) or "无")
            + ("（登记后成为本案附件）" if row.status == "new" and row.files else "")
        )  # fmt: skip
        if row.status == "accepted":
            lines.append(f"已接收登记，本站案号：{row.to_case_no}")
        elif row.status == "declined":
            lines.append(f"不予接收，理由：{row.decline_reason}")
        return lines

    def accept_selected(self) -> IntakeDialog | None:
        row = self.current()
        if row is None or row.status != "new":
            return None
        form = intake_form(self.ctx.store, row.id)
        dialog = self._prefilled_intake(
            row,
            form,
            intake_draft_state(form),
            key=f"case-intake:transfer:{row.id}",
            title=f"登记调解案件（移交自{station_label(row.from_station)} {row.from_case_no}）",
            mark=mark_accepted,
            failed="未能记录接收",
        )
        if form.is_construction:
            dialog.general_contractor.set_value(form.general_contractor)
        if form.infringement_known_on:
            dialog.known.setChecked(True)
            dialog.known_on.setDate(to_qdate(form.infringement_known_on))
        dialog.open()
        return dialog

    def decline_selected(self) -> DeclineTransferDialog | None:
        row = self.current()
        if row is None or row.status != "new":
            return None
        dialog = DeclineTransferDialog(
            self.ctx, row.id, f"{station_label(row.from_station)} {row.from_case_no}", self
        )
        dialog.finished.connect(lambda _r: self.reload())
        self.decline_dialog = dialog
        dialog.open()
        return dialog
