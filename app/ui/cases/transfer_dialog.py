"""移交 on the case page: send the case to the station it belongs to, and the 移交自/移交至 line.

Kept apart from ``case_page`` (which only calls :func:`add_transfer_action` and
:func:`transfer_lines`); the service is :mod:`app.cases.transfers`.
"""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QPushButton

from app.cases import transfers
from app.domain.case_workflow import TRANSFERABLE
from app.domain.enums import DeclineCategory
from app.ui.cases.common import hint
from app.ui.cases.dialogs import _Dialog
from app.ui.context import AppContext


class TransferDialog(_Dialog):
    """The receiving station and the reason; the case closes here as 已移交."""

    ok_text = "移交"

    def __init__(self, ctx: AppContext, case_id: str, case_no: str, parent=None):
        super().__init__(ctx, f"移交案件：{case_no}", parent)
        self.case_id = case_id
        self.col.insertWidget(
            0,
            hint(
                "案件的当事人、请求事项、事实、劳动关系状态和附件一并移交，收到申请日期不变"
                "（十五日调解期限照常计算）。本站案件以“已移交”结案，下次同步时送达区级和接收站点。"
            ),
        )
        self.station = QComboBox()
        for code, name in transfers.station_choices(ctx.store.station.code):
            self.station.addItem(name, code)
        self.station.setCurrentIndex(-1)
        self.form.add_field("接收站点：", self.station, "接收站点")
        self.reason = QLineEdit()
        self.reason.setMaxLength(transfers.MAX_REASON)
        self.reason.setPlaceholderText("例如：用人单位注册地和经营地均在鼓西街道")
        self.form.add_field("移交理由：", self.reason, "移交理由")
        self.form.addRow(self.form.summary)
        self.finish_layout()

    def submit(self) -> None:
        self.run(
            transfers.transfer_out,
            self.ctx.store,
            self.case_id,
            self.station.currentData() or "",
            self.reason.text(),
        )


class DeclineTransferDialog(_Dialog):
    """不予接收 a case transferred here: the category and the reason (the district and the
    sending station see both)."""

    ok_text = "不予接收"

    def __init__(self, ctx: AppContext, transfer_id: str, title: str, parent=None):
        super().__init__(ctx, f"不予接收：{title}", parent)
        self.transfer_id = transfer_id
        self.category = QComboBox()
        for value, label in DeclineCategory.choices():
            self.category.addItem(label, value)
        self.category.setCurrentIndex(-1)
        self.form.add_field("原因类别：", self.category, "原因类别")
        self.reason = QPlainTextEdit()
        self.reason.setMaximumHeight(100)
        self.reason.setPlaceholderText("例如：经核实用人单位经营地在鼓东街道，应由原站点办理")
        self.form.add_field("理由：", self.reason, "理由")
        self.form.addRow(self.form.summary)
        self.finish_layout()

    def submit(self) -> None:
        self.run(
            transfers.decline,
            self.ctx.store,
            self.transfer_id,
            self.category.currentData(),
            self.reason.toPlainText(),
        )


def add_transfer_action(page, detail) -> None:
    """The case page's 移交… button (cases not yet concluded)."""
    if detail.status not in TRANSFERABLE:
        return
    b = QPushButton("移交其他站点…")
    b.setEnabled(page.ctx.user.can_write)
    b.setToolTip("案件不属于本站办理（例如用人单位在其他街镇）时移交")
    b.clicked.connect(
        lambda: page._after(TransferDialog(page.ctx, detail.id, detail.case_no, page))
    )
    page.actions_row.addWidget(b)
    page.action_buttons["transfer"] = b


def transfer_lines(links) -> list[str]:
    """The header's 移交自 / 移交至 lines (HTML), from the loaded case's ``transfer``."""
    lines = []
    if links is None:
        return lines
    if links.from_text:
        lines.append(f"移交自：{escape(links.from_text)}")
    if links.to_text:
        lines.append(f"<b>移交至：{escape(links.to_text)}</b>")
    return lines
