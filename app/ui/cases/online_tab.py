"""调解案件 → 网上申请: the online applications the district routed to this station.

受理并登记 opens the ordinary registration dialog prefilled from the application (received date,
applicant, employer, claims, facts; the mediator checks and completes it); once registered the
application is marked accepted and its evidence becomes the case's attachments. 不予受理 asks
for the reason the applicant will see. Decisions reach the district at the next sync.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtWidgets import QWidget

from app.cases.online import (
    STATUS_LABELS,
    application_data,
    decline,
    intake_draft_state,
    intake_form,
    list_applications,
    mark_accepted,
)
from app.domain import reference
from app.domain.dates import iso_date
from app.domain.validators import mask_id_number
from app.ui.cases.inbox_tab import InboxTab
from app.ui.cases.intake_dialog import IntakeDialog
from app.ui.context import AppContext

COLUMNS = ("受理编号", "收到日期", "申请人", "用人单位", "请求事项", "证据", "状态")


class OnlineApplicationsTab(InboxTab):
    """The list, the selected application's details, and the two decisions."""

    COLUMNS = COLUMNS
    WIDTHS = (150, 90, 130, 220, 300, 50)
    ACCEPT_TEXT = "受理并登记…"
    DECLINE_TEXT = "不予受理…"
    NOTE = (
        "网上申请在同步时从区级收到；受理或不予受理的决定在下次同步时报送区级，申请人可在网上查询。"
    )
    CHOOSE_TEXT = "选择一份申请查看详情。"
    EMPTY_TEXT = "目前没有网上申请。"

    def __init__(self, ctx: AppContext, today: Callable[[], date], parent: QWidget | None = None):
        super().__init__(ctx, today, parent)
        self.intake: IntakeDialog | None = None
        self._selected()

    # ---------------------------------------------------------- list

    def load_rows(self) -> list:
        return list_applications(self.ctx.store)

    def row_values(self, row) -> tuple[str, ...]:
        status = STATUS_LABELS.get(row.status, row.status)
        if row.status == "accepted":
            status += f"（{row.case_no}）"
        return (row.reference, iso_date(row.received_on), row.applicant, row.employer,
                row.claims.replace("\n", " "), str(row.files) if row.files else "",
                status + self.status_suffix(row))  # fmt: skip

    def select_reference(self, ref: str) -> None:
        for r, row in enumerate(self.rows):
            if row.reference == ref:
                self.table.selectRow(r)

    def detail_lines(self, row) -> list[str]:
        d = application_data(self.ctx.store, row.id)
        kind = "用人单位" if d.get("applicant_kind") == "employer" else "劳动者"
        lines = [
            f"受理编号：{row.reference}    收到日期：{iso_date(row.received_on)}"
            f"    来源：{'网上申请' if d.get('source') == 'web' else '外部平台导入'}",
            f"申请人（{kind}）：{d.get('applicant_name') or ''}    身份证号："
            f"{mask_id_number(d.get('id_number'))}    电话：{d.get('phone') or ''}",
            f"用人单位：{d.get('employer_name') or ''}"
            + (f"（{d['employer_credit_code']}）" if d.get("employer_credit_code") else ""),
            f"争议类型：{reference.dispute_type_name(d.get('dispute_type') or '')}"
            + (f"    涉及金额：{d['amount']} 元" if d.get("amount") else ""),
            f"请求事项：{d.get('claims') or ''}",
            f"事实和理由：{d.get('facts') or ''}",
            "证据材料："
            + ("、".join(e["filename"] for e in d.get("evidence") or []) or "无")
            + ("（受理登记后成为案件附件）" if row.status == "new" and row.files else ""),
        ]
        if row.status == "accepted":
            lines.append(f"已受理，案号：{row.case_no}")
        elif row.status == "declined":
            lines.append(f"不予受理，理由：{row.decline_reason}")
        return lines

    # ---------------------------------------------------------- decisions

    def accept_selected(self) -> IntakeDialog | None:
        row = self.current()
        if row is None or row.status != "new":
            return None
        form = intake_form(self.ctx.store, row.id)
        dialog = self._prefilled_intake(
            row,
            form,
            intake_draft_state(form),
            key=f"case-intake:online:{row.id}",
            title=f"登记调解案件（网上申请 {row.reference}）",
            mark=mark_accepted,
            failed="未能记录受理",
        )
        dialog.open()
        return dialog

    def decline_selected(self, reason: str | None = None) -> None:
        row = self.current()
        if row is None or row.status != "new":
            return
        if reason is None:  # asked in a form; the core checks it and it shows under the field
            from app.ui.cases.dialogs import OnlineDeclineDialog

            dialog = OnlineDeclineDialog(self.ctx, row.id, row.reference, self)
            dialog.accepted.connect(self.reload)
            dialog.open()
            self.decline_dialog = dialog
            return
        self.ctx.run(
            decline,
            self.ctx.store,
            row.id,
            reason,
            on_done=lambda _r: self.reload(),
            on_failed=lambda exc: self.ctx.show_error(self, exc, "未能记录不予受理"),
        )
