"""The station's 操作记录 for the station administrator: every change of every record and every
account change, newest first, filtered by user, kind of record, dates and words; paged in the
background (the shared :class:`~app.ui.widgets.paged_model.PagedModel`)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from app.audit import trail
from app.domain.dates import short_datetime
from app.ui.forms import dialog_buttons
from app.ui.widgets.fit import fit_window
from app.ui.widgets.paged_model import Column, PagedModel

COLUMNS = (
    Column("时间", lambda r: short_datetime(r.at, seconds=True)),
    Column("操作人", lambda r: r.user),
    Column("操作", lambda r: r.action),
    Column("类别", lambda r: r.kind),
    Column("记录", lambda r: r.record),
    Column("修改内容", lambda r: r.details),
)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class AuditLogDialog(QDialog):
    def __init__(self, ctx, parent=None, *, today: date | None = None):
        super().__init__(parent)
        ctx.store.require_admin()
        self.ctx = ctx
        today = today or date.today()
        self.setWindowTitle("操作记录（全站）")
        fit_window(self, 1240, 680)
        col = QVBoxLayout(self)

        bar = QHBoxLayout()
        self.user = QComboBox()
        self.user.addItem("全部用户", None)
        for user_id, label in trail.user_choices(ctx.store):
            self.user.addItem(label, user_id)
        self.kind = QComboBox()
        self.kind.addItem("全部类别", None)
        for entity, label in trail.kind_choices():
            self.kind.addItem(label, entity)
        self.by_date = QCheckBox("日期：")
        self.since = QDateEdit(_qdate(today.replace(day=1)))
        self.until = QDateEdit(_qdate(today))
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.by_date.toggled.connect(self.since.setEnabled)
        self.by_date.toggled.connect(self.until.setEnabled)
        self.text = QLineEdit()
        self.text.setPlaceholderText("案号、企业名称、活动名称或修改内容中的文字")
        self.text.returnPressed.connect(self.search)
        self.search_button = QPushButton("查询")
        self.search_button.clicked.connect(self.search)
        bar.addWidget(QLabel("操作人："))
        bar.addWidget(self.user)
        bar.addWidget(QLabel("类别："))
        bar.addWidget(self.kind)
        bar.addWidget(self.by_date)
        bar.addWidget(self.since)
        bar.addWidget(QLabel("至"))
        bar.addWidget(self.until)
        col.addLayout(bar)
        row = QHBoxLayout()
        row.addWidget(self.text, 1)
        row.addWidget(self.search_button)
        col.addLayout(row)
        self.problem = QLabel("")
        self.problem.setProperty("role", "error")
        self.problem.hide()
        col.addWidget(self.problem)

        self.filter = trail.EventFilter()
        self.model = PagedModel(
            ctx,
            COLUMNS,
            fetch=lambda offset, limit: trail.search_events(ctx.store, self.filter, offset, limit),
            count=lambda: trail.count_events(ctx.store, self.filter),
            error_title="操作记录加载失败",
            parent=self,
        )
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        for c in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        col.addWidget(self.view, 1)
        self.count = QLabel("")
        self.model.counted.connect(lambda n: self.count.setText(f"共 {n} 条"))
        note = QLabel("个人信息只记“已修改”，不记内容。")
        note.setProperty("role", "hint")
        foot = QHBoxLayout()
        foot.addWidget(self.count)
        foot.addWidget(note, 1)
        col.addLayout(foot)
        col.addWidget(dialog_buttons(self, "关闭", cancel_text=None))
        self.search()

    def current_filter(self) -> trail.EventFilter | None:
        since = until = None
        if self.by_date.isChecked():
            since, until = _pydate(self.since.date()), _pydate(self.until.date())
            if since > until:
                self.problem.setText("日期范围有误：开始日期晚于结束日期，请修改后再查询")
                self.problem.show()
                return None
        self.problem.hide()
        return trail.EventFilter(
            user_id=self.user.currentData(),
            entity=self.kind.currentData(),
            since=since,
            until=until,
            text=self.text.text().strip()[:100] or None,
        )

    def search(self) -> None:
        flt = self.current_filter()
        if flt is None:
            return
        self.filter = flt
        self.model.reload()
