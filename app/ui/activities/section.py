"""五个一活动: the annual checklist, activity records, the work team and model units."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.activities import model_units, team
from app.activities.checklist import annual_checklist, done_count
from app.activities.service import delete_activity, list_activities
from app.domain.activities import FiveOneItem
from app.domain.enums import FIVE_ONE, ActivityKind
from app.store.errors import StoreError
from app.ui.activities.forms import (
    ActivityForm,
    CommendDialog,
    MemberDialog,
    ScoreDialog,
    TrainingDialog,
)
from app.ui.context import AppContext
from app.ui.sections import Section
from app.ui.visits.common import DONE_FG, OVERDUE_FG, fmt_date
from app.ui.widgets.common import confirm
from app.visits.problems import InvalidInput


def _table(headers: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[tuple], ids: list[str]) -> None:
    table.setRowCount(0)
    for values, row_id in zip(rows, ids, strict=True):
        r = table.rowCount()
        table.insertRow(r)
        for c, value in enumerate(values):
            item = QTableWidgetItem("" if value is None else str(value))
            if c == 0:
                item.setData(Qt.ItemDataRole.UserRole, row_id)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()


def _selected_id(table: QTableWidget) -> str | None:
    r = table.currentRow()
    return table.item(r, 0).data(Qt.ItemDataRole.UserRole) if r >= 0 and table.item(r, 0) else None


def year_spin(year: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(2020, 2100)
    spin.setValue(year)
    spin.setSuffix(" 年")
    return spin


class FiveOneCard(QFrame):
    """One of the five: done or not, why, and the records behind it."""

    def __init__(self, item: FiveOneItem, on_add, on_open):
        super().__init__()
        self.item = item
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "FiveOneCard { background: white; border: 1px solid #d5dbe3; border-radius: 4px; }"
        )
        mark = QLabel("√ 已完成" if item.done else "× 未完成")
        mark.setStyleSheet(
            f"color: {(DONE_FG if item.done else OVERDUE_FG).name()}; font-size: 16px; font-weight: bold;"
        )
        title = QLabel(f"<b>{item.kind.label}</b>")
        title.setStyleSheet("font-size: 15px;")
        self.summary = QLabel(item.summary)
        self.summary.setWordWrap(True)
        self.records = QListWidget()
        self.records.setMaximumHeight(86)
        for ref in item.records:
            li = QListWidgetItem(f"{fmt_date(ref.on)}  {ref.text}".strip())
            li.setData(Qt.ItemDataRole.UserRole, (ref.entity, ref.id))
            self.records.addItem(li)
        if not item.records:
            self.records.addItem("（尚无记录）")
        self.records.itemDoubleClicked.connect(
            lambda li: on_open(li.data(Qt.ItemDataRole.UserRole))
        )
        self.add_button = QPushButton("登记…")
        self.add_button.clicked.connect(lambda: on_add(item.kind))
        head = QHBoxLayout()
        head.addWidget(title, 1)
        head.addWidget(mark)
        head.addWidget(self.add_button)
        col = QVBoxLayout(self)
        col.addLayout(head)
        col.addWidget(self.summary)
        col.addWidget(self.records)


class ChecklistPage(QWidget):
    """年度五个一: the five for the chosen year, done or not, with their records."""

    def __init__(self, section: ActivitiesSection, year: int):
        super().__init__()
        self.section = section
        self.year = year_spin(year)
        self.year.valueChanged.connect(lambda _v: self.reload())
        self.progress = QLabel("")
        self.progress.setStyleSheet("font-size: 18px; font-weight: bold; color: #20324a;")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("年度："))
        bar.addWidget(self.year)
        bar.addSpacing(24)
        bar.addWidget(self.progress)
        bar.addStretch(1)
        self.grid = QGridLayout()
        self.cards: list[FiveOneCard] = []
        col = QVBoxLayout(self)
        col.addLayout(bar)
        col.addLayout(self.grid)
        col.addStretch(1)

    def reload(self) -> None:
        for card in self.cards:
            card.setParent(None)
            card.deleteLater()
        items = annual_checklist(self.section.ctx.store, self.year.value())
        self.progress.setText(
            f"{self.year.value()}年“五个一”完成 {done_count(items)} / {len(FIVE_ONE)} 项"
        )
        self.cards = [
            FiveOneCard(item, self.section.add_for_kind, self.section.open_record) for item in items
        ]
        for i, card in enumerate(self.cards):
            card.add_button.setEnabled(self.section.ctx.user.can_write)
            self.grid.addWidget(card, i // 2, i % 2)


class ActivityListPage(QWidget):
    HEADERS = (
        "日期",
        "类别",
        "活动名称",
        "地点",
        "组织单位",
        "参加人数",
        "参与企业",
        "巡回站点",
        "标签",
    )

    def __init__(self, section: ActivitiesSection, year: int):
        super().__init__()
        self.section = section
        self.year = year_spin(year)
        self.year.valueChanged.connect(lambda _v: self.reload())
        self.kind = QComboBox()
        self.kind.addItem("全部类别", None)
        for k in ActivityKind:
            self.kind.addItem(k.label, k.value)
        self.kind.currentIndexChanged.connect(lambda _i: self.reload())
        bar = QHBoxLayout()
        bar.addWidget(QLabel("年度："))
        bar.addWidget(self.year)
        bar.addWidget(self.kind)
        bar.addStretch(1)
        self.table = _table(self.HEADERS)
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        self.new_button = QPushButton("新增活动…")
        self.new_button.setProperty("role", "primary")
        self.new_button.clicked.connect(lambda: section.add_for_kind(self.kind.currentData()))
        edit = QPushButton("查看/修改…")
        edit.clicked.connect(self.edit_selected)
        self.delete_button = QPushButton("删除")
        self.delete_button.clicked.connect(self.delete_selected)
        for b in (self.new_button, self.delete_button):
            b.setEnabled(section.ctx.user.can_write)
        buttons = QHBoxLayout()
        for b in (self.new_button, edit, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        col = QVBoxLayout(self)
        col.addLayout(bar)
        col.addWidget(self.table, 1)
        col.addLayout(buttons)

    def reload(self) -> None:
        rows = list_activities(
            self.section.ctx.store, year=self.year.value(), kind=self.kind.currentData()
        )
        _fill(
            self.table,
            [
                (
                    fmt_date(r.held_on),
                    r.kind.label,
                    r.title,
                    r.place,
                    r.organiser,
                    r.participant_count,
                    r.enterprise_count or "",
                    r.stop_count or "",
                    "、".join(r.tags),
                )
                for r in rows
            ],
            [r.id for r in rows],
        )

    def edit_selected(self) -> None:
        activity_id = _selected_id(self.table)
        if activity_id:
            self.section.open_record(("activity", activity_id))

    def delete_selected(self) -> None:
        activity_id = _selected_id(self.table)
        if not activity_id:
            return
        title = self.table.item(self.table.currentRow(), 2).text()
        if not confirm(self, "删除活动", f"确定删除活动“{title}”及其站点、照片吗？"):
            return
        try:
            delete_activity(self.section.ctx.store, activity_id)
        except StoreError as exc:
            self.section.ctx.show_error(self, exc)
            return


class TeamPage(QWidget):
    MEMBER_HEADERS = (
        "姓名",
        "角色",
        "所在单位",
        "联系电话",
        "加入日期",
        "状态",
        "培训次数",
        "累计学时",
    )
    TRAINING_HEADERS = ("日期", "成员", "培训内容", "学时", "主办单位")

    def __init__(self, section: ActivitiesSection, year: int):
        super().__init__()
        self.section = section
        self.members_table = _table(self.MEMBER_HEADERS)
        self.members_table.doubleClicked.connect(lambda _i: self.edit_member())
        self.members: list[team.MemberRow] = []
        self.add_button = QPushButton("新增成员…")
        self.add_button.setProperty("role", "primary")
        self.add_button.clicked.connect(
            lambda: self._open(MemberDialog(section.ctx, self, today=section.today))
        )
        edit = QPushButton("修改…")
        edit.clicked.connect(self.edit_member)
        self.training_button = QPushButton("登记培训…")
        self.training_button.clicked.connect(
            lambda: self._open(TrainingDialog(section.ctx, self.members, self, today=section.today))
        )
        for b in (self.add_button, self.training_button):
            b.setEnabled(section.ctx.user.can_write)
        buttons = QHBoxLayout()
        for b in (self.add_button, edit, self.training_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.year = year_spin(year)
        self.year.valueChanged.connect(lambda _v: self.reload())
        self.trainings_table = _table(self.TRAINING_HEADERS)
        trainings_bar = QHBoxLayout()
        trainings_bar.addWidget(QLabel("<b>培训记录</b>"))
        trainings_bar.addWidget(self.year)
        trainings_bar.addStretch(1)
        col = QVBoxLayout(self)
        col.addWidget(
            QLabel(
                "<b>劳动关系工作队伍</b>（劳动关系服务员、劳动保障监察员、劳动争议仲裁员/调解员）"
            )
        )
        col.addWidget(self.members_table, 2)
        col.addLayout(buttons)
        col.addLayout(trainings_bar)
        col.addWidget(self.trainings_table, 1)

    def _open(self, dialog) -> None:
        dialog.accepted.connect(self.reload)
        dialog.open()
        self.dialog = dialog

    def reload(self) -> None:
        self.members = team.list_members(self.section.ctx.store)
        _fill(
            self.members_table,
            [
                (
                    m.name,
                    m.role.label,
                    m.organisation,
                    m.phone,
                    fmt_date(m.joined_on),
                    "在册" if m.active else "已离队",
                    m.training_count,
                    f"{m.training_hours:g}",
                )
                for m in self.members
            ],
            [m.id for m in self.members],
        )
        trainings = team.list_trainings(self.section.ctx.store, year=self.year.value())
        _fill(
            self.trainings_table,
            [
                (
                    fmt_date(t.trained_on),
                    t.member_name,
                    t.title,
                    f"{t.hours:g}" if t.hours else "",
                    t.organiser,
                )
                for t in trainings
            ],
            [t.id for t in trainings],
        )

    def edit_member(self) -> None:
        member_id = _selected_id(self.members_table)
        member = next((m for m in self.members if m.id == member_id), None)
        if member is not None:
            self._open(
                MemberDialog(self.section.ctx, self, member=member, today=self.section.today)
            )


class ModelUnitsPage(QWidget):
    HEADERS = ("企业", "总分", "状态", "表彰日期", "一票否决事项", "评审意见")

    def __init__(self, section: ActivitiesSection, year: int):
        super().__init__()
        self.section = section
        self.units: list[model_units.ModelUnitRow] = []
        self.year = year_spin(year)
        self.year.valueChanged.connect(lambda _v: self.reload())
        bar = QHBoxLayout()
        bar.addWidget(QLabel("年度："))
        bar.addWidget(self.year)
        bar.addWidget(QLabel("对照创建活动指标评分，总分85分以上且无一票否决事项的可予表彰"))
        bar.addStretch(1)
        self.table = _table(self.HEADERS)
        self.table.doubleClicked.connect(lambda _i: self.score_selected())
        self.add_button = QPushButton("推荐并评分…")
        self.add_button.setProperty("role", "primary")
        self.add_button.clicked.connect(self.add_unit)
        score = QPushButton("修改评分…")
        score.clicked.connect(self.score_selected)
        self.commend_button = QPushButton("表彰…")
        self.commend_button.clicked.connect(self.commend_selected)
        self.reject_button = QPushButton("未入选")
        self.reject_button.clicked.connect(self.not_selected)
        for b in (self.add_button, score, self.commend_button, self.reject_button):
            b.setEnabled(section.ctx.user.can_write)
        buttons = QHBoxLayout()
        for b in (self.add_button, score, self.commend_button, self.reject_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        col = QVBoxLayout(self)
        col.addLayout(bar)
        col.addWidget(self.table, 1)
        col.addLayout(buttons)

    def reload(self) -> None:
        self.units = model_units.list_units(
            self.section.ctx.store, self.year.value(), today=self.section.today
        )
        _fill(
            self.table,
            [
                (
                    u.enterprise_name,
                    f"{u.total:g}" if u.total is not None else "",
                    u.status.label,
                    fmt_date(u.commended_on),
                    "；".join(u.assessment.vetoes),
                    u.note,
                )
                for u in self.units
            ],
            [u.id for u in self.units],
        )

    def _selected(self) -> model_units.ModelUnitRow | None:
        unit_id = _selected_id(self.table)
        return next((u for u in self.units if u.id == unit_id), None)

    def _open(self, dialog) -> None:
        dialog.accepted.connect(self.reload)
        dialog.open()
        self.dialog = dialog

    def add_unit(self) -> None:
        self._open(ScoreDialog(self.section.ctx, self.year.value(), self, today=self.section.today))

    def score_selected(self) -> None:
        unit = self._selected()
        if unit is not None:
            self._open(
                ScoreDialog(self.section.ctx, unit.year, self, unit=unit, today=self.section.today)
            )

    def commend_selected(self) -> None:
        unit = self._selected()
        if unit is not None:
            self._open(CommendDialog(self.section.ctx, unit, self, today=self.section.today))

    def not_selected(self) -> None:
        unit = self._selected()
        if unit is None:
            return
        try:
            model_units.set_not_selected(self.section.ctx.store, unit.id)
        except InvalidInput as exc:
            QMessageBox.warning(self, "不能修改", "\n".join(p.message for p in exc.problems))
            return
        self.reload()


class ActivitiesSection(Section):
    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, today: date | None = None
    ):
        super().__init__(ctx, parent)
        self.today = today or date.today()
        year = self.today.year
        self.tabs = QTabWidget()
        self.checklist = ChecklistPage(self, year)
        self.activities = ActivityListPage(self, year)
        self.team = TeamPage(self, year)
        self.units = ModelUnitsPage(self, year)
        self.tabs.addTab(self.checklist, "年度“五个一”")
        self.tabs.addTab(self.activities, "活动记录")
        self.tabs.addTab(self.team, "工作队伍")
        self.tabs.addTab(self.units, "和谐劳动关系单位")
        col = QVBoxLayout(self)
        col.addWidget(self.tabs)
        self._stale = True
        ctx.data_changed.connect(self._changed)

    def _changed(self, entity: str) -> None:
        if entity in (
            "activity",
            "team_member",
            "team_training",
            "model_unit",
            "enterprise",
            "credit_note",
        ):
            self._stale = True
            if self.isVisible():
                self.activated()

    def activated(self) -> None:
        if self._stale:
            for page in (self.checklist, self.activities, self.team, self.units):
                page.reload()
            self._stale = False

    def navigate(self, **kwargs) -> None:
        if "year" in kwargs:
            self.checklist.year.setValue(int(kwargs["year"]))
        self.tabs.setCurrentWidget(self.checklist)

    # ------------------------------------------------------------------ shared actions

    def add_for_kind(self, kind: str | None):
        """Register a record for one of the five (or any activity)."""
        if kind == ActivityKind.MODEL_UNITS.value and self.units.units is not None:
            self.tabs.setCurrentWidget(self.units)
            self.units.add_unit()
            return self.units.dialog
        if kind == ActivityKind.WORK_TEAM.value:
            self.tabs.setCurrentWidget(self.team)
            return None
        form = ActivityForm(
            self.ctx, self, kind=ActivityKind(kind) if kind else None, today=self.today
        )
        form.open()
        self.form = form
        return form

    def open_record(self, ref) -> None:
        if not ref:
            return
        entity, record_id = ref
        if entity == "activity":
            form = ActivityForm(self.ctx, self, activity_id=record_id, today=self.today)
            form.open()
            form.drafts.offer_restore()
            self.form = form
        elif entity in ("team_member", "team_training"):
            self.tabs.setCurrentWidget(self.team)
        elif entity == "model_unit":
            self.tabs.setCurrentWidget(self.units)
