"""Forms of the activities section: an activity, a team member, a training, a model unit's scores."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.activities import model_units, team
from app.activities.service import (
    SUGGESTED_TAGS,
    ActivityInput,
    StopInput,
    get_activity,
    save_activity,
)
from app.domain.activities import COMMEND_THRESHOLD, CREATION_INDICATORS, assess_model_unit
from app.domain.enums import FIVE_ONE, ActivityKind, TeamRole
from app.store.models import Enterprise
from app.ui.context import AppContext
from app.ui.drafts import DraftKeeper
from app.ui.forms import BackgroundSave, SaveControls, ValidatedForm
from app.ui.visits.common import AttachmentList, DateEdit, OptionalDateEdit
from app.ui.widgets.enterprise_picker import EnterprisePicker
from app.ui.widgets.fit import fit_window, scrolling
from app.visits.problems import Problem


def _int_or_none(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


class ActivityForm(QDialog):
    """Record an activity of any kind; the touring campaign gets its stops, lectures their expert."""

    saved = Signal(str)

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        activity_id: str | None = None,
        kind: ActivityKind | None = None,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today or date.today()
        self.activity_id = activity_id
        self.version: int | None = None
        self.task = None
        self.setWindowTitle("活动登记")
        fit_window(self, 900, 820)
        body = QWidget()
        self.fields = form = ValidatedForm(body)
        form.alias("stop:", "stops")
        self.kind = QComboBox()
        for k in ActivityKind:
            self.kind.addItem(("【五个一】" if k in FIVE_ONE else "") + k.label, k.value)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.fields.add_field("活动类别：", self.kind, "kind")
        self.title = QLineEdit()
        self.fields.add_field("活动名称：", self.title, "title")
        self.held_on = DateEdit(self.today)
        self.fields.add_field("活动日期：", self.held_on, "held_on")
        self.ended_on = OptionalDateEdit(None)
        self.ended_on.setToolTip("持续多日的活动（如巡回宣讲）填写结束日期")
        self.fields.add_field("结束日期：", self.ended_on, "ended_on")
        self.place = QLineEdit()
        self.fields.add_field("活动地点：", self.place, "place")
        self.organiser = QLineEdit(ctx.store.station.name + "劳动关系服务站")
        self.fields.add_field("组织单位：", self.organiser, "organiser")
        self.speaker = QLineEdit()
        self.speaker.setPlaceholderText("专家姓名、单位及讲座题目")
        self.fields.add_field("主讲专家：", self.speaker, "speaker")
        self.participant_count = QSpinBox()
        self.participant_count.setRange(0, 100000)
        self.participant_count.setSpecialValueText("未填")
        self.fields.add_field("参加人数：", self.participant_count, "participant_count")
        self.participants = QPlainTextEdit()
        self.participants.setPlaceholderText("参加人员或单位")
        self.participants.setFixedHeight(54)
        self.fields.add_field("参加人员：", self.participants, "participants")
        self.materials_count = QSpinBox()
        self.materials_count.setRange(0, 1000000)
        self.materials_count.setSpecialValueText("未填")
        self.fields.add_field("发放资料（份）：", self.materials_count, "materials_count")

        # the enterprises involved
        ent_box = QWidget()
        ent_col = QVBoxLayout(ent_box)
        ent_col.setContentsMargins(0, 0, 0, 0)
        pick_row = QHBoxLayout()
        self.picker = EnterprisePicker(ctx, allow_create=False)
        self.picker.selected.connect(self.add_enterprise)
        pick_row.addWidget(self.picker, 1)
        self.remove_enterprise_button = QPushButton("移除所选")
        self.remove_enterprise_button.clicked.connect(self.remove_enterprise)
        pick_row.addWidget(self.remove_enterprise_button)
        ent_col.addLayout(pick_row)
        self.enterprises = QTableWidget(0, 2)
        self.enterprises.setHorizontalHeaderLabels(("企业", "参与方式"))
        self.enterprises.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.enterprises.verticalHeader().hide()
        self.enterprises.setFixedHeight(110)
        ent_col.addWidget(self.enterprises)
        self.fields.add_field("参与企业：", ent_box, "enterprises")

        # the stops of the touring campaign
        self.stops_box = QWidget()
        stops_col = QVBoxLayout(self.stops_box)
        stops_col.setContentsMargins(0, 0, 0, 0)
        self.stops = QTableWidget(0, 4)
        self.stops.setHorizontalHeaderLabels(("日期", "站点（园区/企业）", "听众人数", "备注"))
        self.stops.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.stops.verticalHeader().hide()
        self.stops.setFixedHeight(130)
        stops_col.addWidget(self.stops)
        stop_buttons = QHBoxLayout()
        add_stop = QPushButton("增加一站")
        add_stop.clicked.connect(lambda: self.add_stop())
        remove_stop = QPushButton("删除所选站点")
        remove_stop.clicked.connect(lambda: self.stops.removeRow(self.stops.currentRow()))
        stop_buttons.addWidget(add_stop)
        stop_buttons.addWidget(remove_stop)
        stop_buttons.addStretch(1)
        stops_col.addLayout(stop_buttons)
        self.fields.add_field("巡回站点：", self.stops_box, "stops")

        self.summary = QPlainTextEdit()
        self.summary.setPlaceholderText("活动内容和成效")
        self.summary.setFixedHeight(80)
        self.fields.add_field("活动小结：", self.summary, "summary")
        tags_row = QWidget()
        tags_layout = QHBoxLayout(tags_row)
        tags_layout.setContentsMargins(0, 0, 0, 0)
        self.tag_boxes = {t: QCheckBox(t) for t in SUGGESTED_TAGS}
        for cb in self.tag_boxes.values():
            tags_layout.addWidget(cb)
        self.other_tags = QLineEdit()
        self.other_tags.setPlaceholderText("其他标签，用顿号分隔")
        tags_layout.addWidget(self.other_tags, 1)
        self.fields.add_field("标签：", tags_row, "tags")
        self.attachments = AttachmentList(ctx)
        self.fields.add_field("照片/附件：", self.attachments, "attachments")

        controls = SaveControls(ctx, self, form, on_ok=self.save, title="活动记录未能保存")
        self.save_button, self.status = controls.ok_button, controls.status
        self.save_button.setEnabled(ctx.user.can_write)
        # 操作记录 of an activity already recorded: who entered and changed it, and when
        self.history_button = controls.buttons.addButton(
            "操作记录…", QDialogButtonBox.ButtonRole.ResetRole
        )
        self.history_button.setVisible(bool(activity_id))
        self.history_button.clicked.connect(self.show_history)
        self.saving = controls.saving
        col = QVBoxLayout(self)
        col.addWidget(scrolling(body), 1)
        col.addLayout(controls.footer())

        if activity_id:
            self._load(activity_id)
        elif kind is not None:
            self.kind.setCurrentIndex(self.kind.findData(ActivityKind(kind).value))
        self._kind_changed()
        # typing is kept as an encrypted draft every few seconds (photos are not: pick them again)
        self.drafts = DraftKeeper(ctx, self, f"activity:{activity_id or 'new'}", "活动登记")
        self.rejected.connect(self.drafts.discard)

    # ------------------------------------------------------------------ drafts

    def draft_state(self) -> dict:
        data, _problems = self.collect()
        return {
            "kind": self.kind.currentData(),
            "title": data.title,
            "held_on": data.held_on.isoformat(),
            "ended_on": data.ended_on.isoformat() if data.ended_on else None,
            "place": data.place,
            "organiser": data.organiser,
            "speaker": self.speaker.text(),
            "participant_count": self.participant_count.value(),
            "participants": data.participants,
            "materials_count": self.materials_count.value(),
            "summary": data.summary,
            "tags": [t for t, cb in self.tag_boxes.items() if cb.isChecked()],
            "other_tags": self.other_tags.text(),
            "enterprises": data.enterprises,
            "stops": [
                {
                    "held_on": self.stops.cellWidget(r, 0).value().isoformat(),
                    **{
                        key: (self.stops.item(r, c).text() if self.stops.item(r, c) else "")
                        for c, key in ((1, "place"), (2, "audience"), (3, "note"))
                    },
                }
                for r in range(self.stops.rowCount())
            ],
        }

    def restore_draft_state(self, state: dict) -> None:
        self.kind.setCurrentIndex(max(0, self.kind.findData(state.get("kind"))))
        self.title.setText(state.get("title", ""))
        self.held_on.set_value(date.fromisoformat(state["held_on"]))
        ended = state.get("ended_on")
        self.ended_on.set_value(date.fromisoformat(ended) if ended else None)
        self.place.setText(state.get("place", ""))
        self.organiser.setText(state.get("organiser", ""))
        self.speaker.setText(state.get("speaker", ""))
        self.participant_count.setValue(int(state.get("participant_count") or 0))
        self.participants.setPlainText(state.get("participants", ""))
        self.materials_count.setValue(int(state.get("materials_count") or 0))
        self.summary.setPlainText(state.get("summary", ""))
        for tag, cb in self.tag_boxes.items():
            cb.setChecked(tag in state.get("tags", []))
        self.other_tags.setText(state.get("other_tags", ""))
        self.enterprises.setRowCount(0)
        for enterprise_id, role in state.get("enterprises", []):
            self.add_enterprise(enterprise_id, role)
        self.stops.setRowCount(0)
        for stop in state.get("stops", []):
            self.add_stop(
                StopInput(
                    date.fromisoformat(stop["held_on"]),
                    stop.get("place", ""),
                    None,
                    stop.get("note", ""),
                )
            )
            self.stops.setItem(
                self.stops.rowCount() - 1, 2, QTableWidgetItem(stop.get("audience", ""))
            )

    # ------------------------------------------------------------------ behaviour

    def current_kind(self) -> ActivityKind:
        return ActivityKind(self.kind.currentData())

    def _kind_changed(self) -> None:
        kind = self.current_kind()
        self.speaker.setEnabled(kind == ActivityKind.EXPERT_LECTURE)
        self.stops_box.setEnabled(kind == ActivityKind.PARK_TOUR)
        if kind == ActivityKind.PARK_TOUR and self.stops.rowCount() == 0 and not self.activity_id:
            self.add_stop()

    def add_stop(self, stop: StopInput | None = None) -> None:
        r = self.stops.rowCount()
        self.stops.insertRow(r)
        self.stops.setCellWidget(r, 0, DateEdit(stop.held_on if stop else self.held_on.value()))
        self.stops.setItem(r, 1, QTableWidgetItem(stop.place if stop else ""))
        count = stop.audience_count if stop and stop.audience_count is not None else ""
        self.stops.setItem(r, 2, QTableWidgetItem(str(count)))
        self.stops.setItem(r, 3, QTableWidgetItem(stop.note if stop else ""))

    def add_enterprise(self, enterprise_id: str, role: str = "") -> None:
        for r in range(self.enterprises.rowCount()):
            if self.enterprises.item(r, 0).data(Qt.ItemDataRole.UserRole) == enterprise_id:
                return
        with self.ctx.store.read() as s:
            e = s.get(Enterprise, enterprise_id)
        if e is None:
            return
        r = self.enterprises.rowCount()
        self.enterprises.insertRow(r)
        name = QTableWidgetItem(e.name)
        name.setData(Qt.ItemDataRole.UserRole, enterprise_id)
        name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.enterprises.setItem(r, 0, name)
        default_role = {
            ActivityKind.OBSERVATION: "观摩企业",
            ActivityKind.MODEL_UNITS: "受表彰单位",
            ActivityKind.PARK_TOUR: "宣讲企业",
        }.get(self.current_kind(), "参加单位")
        self.enterprises.setItem(r, 1, QTableWidgetItem(role or default_role))
        self.picker.set_enterprise(None)

    def remove_enterprise(self) -> None:
        if self.enterprises.currentRow() >= 0:
            self.enterprises.removeRow(self.enterprises.currentRow())

    def _load(self, activity_id: str) -> None:
        detail = get_activity(self.ctx.store, activity_id)
        self.version = detail.version
        d = detail.data
        self.setWindowTitle(f"活动登记 · {d.title}")
        self.kind.setCurrentIndex(self.kind.findData(ActivityKind(d.kind).value))
        self.title.setText(d.title)
        self.held_on.set_value(d.held_on)
        self.ended_on.set_value(d.ended_on)
        self.place.setText(d.place)
        self.organiser.setText(d.organiser)
        self.speaker.setText(d.speaker)
        self.participant_count.setValue(d.participant_count or 0)
        self.participants.setPlainText(d.participants)
        self.materials_count.setValue(d.materials_count or 0)
        self.summary.setPlainText(d.summary)
        others = []
        for tag in d.tags:
            if tag in self.tag_boxes:
                self.tag_boxes[tag].setChecked(True)
            else:
                others.append(tag)
        self.other_tags.setText("、".join(others))
        for enterprise_id, role in d.enterprises:
            self.add_enterprise(enterprise_id, role)
        for stop in d.stops:
            self.add_stop(stop)
        self.attachments.set_stored(detail.attachments)

    def collect(self) -> tuple[ActivityInput, list[Problem]]:
        problems: list[Problem] = []
        stops = []
        for r in range(self.stops.rowCount()):
            place = self.stops.item(r, 1).text() if self.stops.item(r, 1) else ""
            audience_text = self.stops.item(r, 2).text().strip() if self.stops.item(r, 2) else ""
            audience = _int_or_none(audience_text)
            if audience_text and audience is None:
                problems.append(Problem(f"stop:{r + 1}", f"第{r + 1}站", "听众人数应为整数"))
            note = self.stops.item(r, 3).text() if self.stops.item(r, 3) else ""
            stops.append(StopInput(self.stops.cellWidget(r, 0).value(), place, audience, note))
        if self.current_kind() != ActivityKind.PARK_TOUR:
            stops = []
        enterprises = [
            (
                self.enterprises.item(r, 0).data(Qt.ItemDataRole.UserRole),
                self.enterprises.item(r, 1).text() if self.enterprises.item(r, 1) else "",
            )
            for r in range(self.enterprises.rowCount())
        ]
        tags = [t for t, cb in self.tag_boxes.items() if cb.isChecked()]
        tags += [
            t.strip()
            for t in self.other_tags.text().replace(",", "、").replace("，", "、").split("、")
            if t.strip()
        ]
        data = ActivityInput(
            kind=self.current_kind(),
            title=self.title.text(),
            held_on=self.held_on.value(),
            ended_on=self.ended_on.value(),
            place=self.place.text(),
            organiser=self.organiser.text(),
            participant_count=self.participant_count.value() or None,
            participants=self.participants.toPlainText(),
            speaker=self.speaker.text() if self.speaker.isEnabled() else "",
            materials_count=self.materials_count.value() or None,
            summary=self.summary.toPlainText(),
            tags=tags,
            enterprises=enterprises,
            stops=stops,
            attachments=list(self.attachments.pending),
            removed_attachment_ids=list(self.attachments.removed),
        )
        return data, problems

    def show_history(self):
        from app.ui.widgets.history import HistoryDialog

        if not self.activity_id:
            return None
        dialog = HistoryDialog(self.ctx, "activity", self.activity_id, self,
                               title="操作记录 · 活动")  # fmt: skip
        dialog.open()
        return dialog

    def save(self) -> None:
        data, problems = self.collect()
        if problems:
            self.fields.show_problems(problems)
            return
        self.saving.run(
            save_activity,
            self.ctx.store,
            data,
            activity_id=self.activity_id,
            expected_version=self.version,
            today=self.today,
            on_done=self._saved,
        )

    def _saved(self, activity_id: str) -> None:
        self.drafts.discard()
        self.saved.emit(activity_id)
        self.accept()


class _SmallForm(QDialog):
    """A short form saved in the background: its button row, status line and save."""

    fields: ValidatedForm

    def _saved(self, _result) -> None:
        self.accept()  # the store tells the sections what changed


def _button_row(
    dialog: _SmallForm, col: QVBoxLayout, title: str, *, ok_text: str = "保存"
) -> BackgroundSave:
    """The summary line, busy line and buttons under ``dialog``'s form; its background save."""
    controls = SaveControls(
        dialog.ctx, dialog, dialog.fields, ok_text, on_ok=dialog.save, title=title
    )
    col.addLayout(controls.footer())
    dialog.save_button = controls.ok_button
    return controls.saving


class MemberDialog(_SmallForm):
    def __init__(
        self,
        ctx: AppContext,
        parent=None,
        *,
        member: team.MemberRow | None = None,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.member = member
        self.today = today or date.today()
        self.setWindowTitle("工作队伍成员")
        self.fields = form = ValidatedForm()
        self.name = QLineEdit(member.name if member else "")
        self.fields.add_field("姓名：", self.name, "name")
        self.role = QComboBox()
        for r in TeamRole:
            self.role.addItem(r.label, r.value)
        if member:
            self.role.setCurrentIndex(self.role.findData(member.role.value))
        self.fields.add_field("角色：", self.role, "role")
        self.organisation = QLineEdit(member.organisation if member else "")
        self.organisation.setPlaceholderText("所在单位，如：鼓东街道劳动保障事务所")
        self.fields.add_field("所在单位：", self.organisation, "organisation")
        self.phone = QLineEdit(member.phone if member else "")
        self.fields.add_field("联系电话：", self.phone, "phone")
        self.joined_on = OptionalDateEdit(member.joined_on if member else self.today)
        self.fields.add_field("加入日期：", self.joined_on, "joined_on")
        self.active = QCheckBox("在册")
        self.active.setChecked(member.active if member else True)
        self.fields.add_field("状态：", self.active, "active")
        self.note = QLineEdit(member.note if member else "")
        self.fields.add_field("备注：", self.note, "note")
        col = QVBoxLayout(self)
        col.addLayout(form)
        self.saving = _button_row(self, col, "成员未能保存")

    def save(self) -> None:
        data = team.MemberInput(
            self.name.text(),
            TeamRole(self.role.currentData()),
            self.organisation.text(),
            self.phone.text(),
            self.joined_on.value(),
            self.active.isChecked(),
            self.note.text(),
        )
        self.saving.run(
            team.save_member,
            self.ctx.store,
            data,
            member_id=self.member.id if self.member else None,
            expected_version=self.member.version if self.member else None,
            today=self.today,
            on_done=self._saved,
        )


class TrainingDialog(_SmallForm):
    """One training attended by one or more team members."""

    def __init__(
        self,
        ctx: AppContext,
        members: list[team.MemberRow],
        parent=None,
        *,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today or date.today()
        self.setWindowTitle("登记培训")
        self.fields = form = ValidatedForm()
        self.members = QListWidget()
        for m in members:
            if not m.active:
                continue
            item = QListWidgetItem(f"{m.name}（{m.role.label}）")
            item.setData(Qt.ItemDataRole.UserRole, m.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.members.addItem(item)
        self.members.setFixedHeight(120)
        self.fields.add_field("参训人员：", self.members, "members")
        self.trained_on = DateEdit(self.today)
        self.fields.add_field("培训日期：", self.trained_on, "trained_on")
        self.title = QLineEdit()
        self.title.setPlaceholderText("如：集体协商能力培训、劳动争议调解实务培训")
        self.fields.add_field("培训内容：", self.title, "title")
        self.hours = QDoubleSpinBox()
        self.hours.setRange(0, 200)
        self.hours.setDecimals(1)
        self.hours.setSpecialValueText("未填")
        self.fields.add_field("学时：", self.hours, "hours")
        self.organiser = QLineEdit()
        self.fields.add_field("主办单位：", self.organiser, "organiser")
        col = QVBoxLayout(self)
        col.addLayout(form)
        self.saving = _button_row(self, col, "培训未能登记")

    def check_all(self) -> None:
        for i in range(self.members.count()):
            self.members.item(i).setCheckState(Qt.CheckState.Checked)

    def save(self) -> None:
        ids = [
            self.members.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.members.count())
            if self.members.item(i).checkState() == Qt.CheckState.Checked
        ]
        data = team.TrainingInput(
            ids,
            self.trained_on.value(),
            self.title.text(),
            self.hours.value() or None,
            self.organiser.text(),
        )
        self.saving.run(
            team.add_training,
            self.ctx.store,
            data,
            today=self.today,
            on_done=self._saved,
        )


class ScoreDialog(_SmallForm):
    """Score an enterprise against the creation indicators for a year."""

    def __init__(
        self,
        ctx: AppContext,
        year: int,
        parent=None,
        *,
        unit: model_units.ModelUnitRow | None = None,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.year = year
        self.unit = unit
        self.today = today or date.today()
        self.enterprise_id = unit.enterprise_id if unit else None
        self.setWindowTitle(f"{year}年和谐劳动关系单位评分")
        self.fields = form = ValidatedForm()
        if unit:
            self.fields.add_field("企业：", QLabel(unit.enterprise_name), "enterprise")
        else:
            self.picker = EnterprisePicker(ctx, allow_create=False)
            self.picker.selected.connect(self._chosen)
            self.fields.add_field("企业：", self.picker, "enterprise")
        group = QGroupBox("创建活动指标")
        grid = QFormLayout(group)
        self.spins: dict[str, QDoubleSpinBox] = {}
        for ind in CREATION_INDICATORS:
            spin = QDoubleSpinBox()
            spin.setRange(0, ind.max_score)
            spin.setDecimals(1)
            spin.setSuffix(f" / {ind.max_score}分")
            spin.setValue((unit.scores.get(ind.code) if unit else None) or 0)
            spin.valueChanged.connect(self._update_total)
            self.spins[ind.code] = spin
            grid.addRow(ind.label + "：", spin)
        self.total = QLabel("")
        self.note = QLineEdit(unit.note if unit else "")
        col = QVBoxLayout(self)
        col.addLayout(form)
        col.addWidget(group)
        col.addWidget(self.total)
        note_row = QFormLayout()
        note_row.addRow("评审意见：", self.note)
        col.addLayout(note_row)
        self.saving = _button_row(self, col, "评分未能保存")
        self._update_total()

    def _chosen(self, enterprise_id: str) -> None:
        self.enterprise_id = enterprise_id

    def scores(self) -> dict[str, float]:
        return {code: spin.value() for code, spin in self.spins.items()}

    def _update_total(self) -> None:
        total = assess_model_unit(self.scores()).total
        verdict = (
            "达到表彰标准" if total >= COMMEND_THRESHOLD else f"未达到{COMMEND_THRESHOLD}分表彰标准"
        )
        self.total.setText(f"<b>总分：{total:g}分</b>（{verdict}）")

    def save(self) -> None:
        if not self.enterprise_id:
            self.fields.show_problems([Problem("enterprise", "企业", "请选择企业")])
            return
        self.saving.run(
            model_units.score_unit,
            self.ctx.store,
            self.enterprise_id,
            self.year,
            self.scores(),
            note=self.note.text(),
            today=self.today,
            on_done=self._saved,
        )


class CommendDialog(_SmallForm):
    def __init__(
        self,
        ctx: AppContext,
        unit: model_units.ModelUnitRow,
        parent=None,
        *,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.unit = unit
        self.today = today or date.today()
        self.setWindowTitle("表彰和谐劳动关系单位")
        self.fields = form = ValidatedForm()
        self.fields.add_field(
            "企业：", QLabel(f"{unit.enterprise_name}（{unit.total or 0:g}分）"), "enterprise"
        )
        self.on = DateEdit(self.today)
        self.fields.add_field("表彰日期：", self.on, "commended_on")
        col = QVBoxLayout(self)
        col.addLayout(form)
        self.saving = _button_row(self, col, "未能表彰", ok_text="表彰")

    def save(self) -> None:
        self.saving.run(
            model_units.commend_unit,
            self.ctx.store,
            self.unit.id,
            self.on.value(),
            today=self.today,
            on_done=self._saved,
        )
