"""The small dialogs of the case page: a status change, the extension, a session record, a payment."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.cases import performance, sessions, workflow
from app.cases.detail import CaseDetail, TermInfo
from app.domain.case_workflow import ACTION_LABELS, failure_reasons_for
from app.domain.deadlines import term_item_name
from app.domain.enums import CaseStatus, DeclineCategory, TermKind
from app.ui.cases.common import cn_date, date_edit, from_qdate, hint, money
from app.ui.context import AppContext
from app.ui.drafts import DraftKeeper, KeepsDraft
from app.ui.forms import SaveControls, ValidatedForm

S = CaseStatus


class _Dialog(QDialog):
    """A form dialog of the framework: its OK saves in the background (:class:`BackgroundSave`),
    the core's field problems go under the fields with the summary line."""

    ok_text = "确定"
    failure_title = "未能保存"

    def __init__(self, ctx: AppContext, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.col = QVBoxLayout(self)
        self.form = ValidatedForm()
        self.col.addLayout(self.form)
        self.controls = SaveControls(
            ctx, self, self.form, self.ok_text, on_ok=self.submit, title=self.failure_title
        )
        self.ok_button, self.status = self.controls.ok_button, self.controls.status
        self.saving = self.controls.saving

    def finish_layout(self) -> None:
        self.col.addLayout(self.controls.footer())

    def submit(self) -> None:  # overridden
        raise NotImplementedError

    def run(self, fn, *args, **kwargs) -> None:
        self.saving.run(fn, *args, on_done=self._saved, **kwargs)

    def _saved(self, _result) -> None:
        self.accept()


class TransitionDialog(_Dialog):
    """Asks what a status change needs: the date, and a reason, failure reason or archive number."""

    def __init__(
        self,
        ctx: AppContext,
        detail: CaseDetail,
        target: CaseStatus,
        today: date,
        parent: QWidget | None = None,
    ):
        self.ok_text = ACTION_LABELS[target]
        self.failure_title = "未能办理"
        super().__init__(ctx, f"{ACTION_LABELS[target]}：{detail.case_no}", parent)
        self.detail, self.target, self.today = detail, target, today
        self.col.insertWidget(0, hint(_EXPLAIN.get(target, "")))
        self.on = self.form.add_field("日期：", date_edit(today), "日期")
        self.failure = None
        if target == S.FAILED:
            self.failure = QComboBox()
            for reason in failure_reasons_for(detail.status):
                self.failure.addItem(reason.label, reason)
            self.form.add_field("终止原因：", self.failure, "终止原因")
        self.category = None
        if target == S.DECLINED:
            self.category = QComboBox()
            self.category.addItem("（请选择）", None)
            for value, label in DeclineCategory.choices():
                self.category.addItem(label, value)
            self.form.add_field("原因类别：", self.category, "原因类别")
        self.archive_no = None
        if target == S.ARCHIVED:
            self.archive_no = self.form.add_field("档案号：", QLineEdit(), "档案号")
        self.reason = None
        if target in (S.DECLINED, S.FAILED, S.WITHDRAWN, S.CLOSED):
            label = {
                S.DECLINED: "理由",
                S.FAILED: "情况说明",
                S.WITHDRAWN: "撤回情况",
                S.CLOSED: "结案说明",
            }[target]
            self.reason = QPlainTextEdit()
            self.reason.setMaximumHeight(90)
            self.form.add_field(
                f"{label}：", self.reason, "理由" if target == S.DECLINED else label
            )
        self.finish_layout()

    def submit(self) -> None:
        self.run(
            workflow.change_status,
            self.ctx.store,
            self.detail.id,
            self.target,
            on=from_qdate(self.on.date()),
            reason=self.reason.toPlainText() if self.reason else None,
            failure_reason=self.failure.currentData() if self.failure else None,
            archive_no=self.archive_no.text() if self.archive_no else None,
            decline_category=self.category.currentData() if self.category else None,
            today=self.today,
            expected_version=self.detail.version,
        )


_EXPLAIN = {
    S.ACCEPTED: "经审查符合受理条件的，予以受理。",
    S.DECLINED: (
        "不属于劳动争议、已由仲裁委员会或法院受理、被申请人不同意调解、不属于本组织受理范围的，"
        "不予受理：选择原因类别并写明情况，通知书按类别告知申请人去向（17号令第二十二条：书面通知申请人）。"
    ),
    S.IN_MEDIATION: "开始组织调解。记录第一次调解笔录时也会自动开始调解。",
    S.FAILED: "调解不成的，终止调解；当事人可以依法申请仲裁，请打印调解终止通知书交当事人。",
    S.WITHDRAWN: "申请人撤回调解申请的，写明撤回方式（书面或口头）和时间。",
    S.PERFORMING: "协议有待履行的款项或义务，转入履行跟踪，逾期时工作台会提醒。",
    S.CLOSED: "协议已履行完毕，或逾期未履行并已告知当事人救济途径的，可以结案。",
    S.ARCHIVED: "案卷材料整理归档后填写档案号。",
}


class ExtensionDialog(_Dialog):
    ok_text = "延长期限"
    failure_title = "未能延长"

    def __init__(self, ctx: AppContext, detail: CaseDetail, today: date, parent=None):
        super().__init__(ctx, f"延长调解期限：{detail.case_no}", parent)
        self.detail, self.today = detail, today
        clock = detail.clock
        self.col.insertWidget(
            0,
            hint(
                f"当前期限：{cn_date(clock.end)}。经双方当事人同意可以延长调解期限；"
                f"但自收到申请之日起十五日（{cn_date(clock.legal_end)}）后，当事人仍可随时依法申请仲裁。"
            ),
        )
        self.until = self.form.add_field("延长至：", date_edit(max(clock.end, today)), "延长至")
        self.note = QPlainTextEdit()
        self.note.setMaximumHeight(90)
        self.note.setPlaceholderText(
            "例如：3月16日调解时双方当事人均同意延长至3月31日，已在笔录上签字确认"
        )
        self.form.add_field("双方同意情况：", self.note, "双方同意情况")
        self.finish_layout()

    def submit(self) -> None:
        self.run(
            workflow.extend_mediation,
            self.ctx.store,
            self.detail.id,
            from_qdate(self.until.date()),
            self.note.toPlainText(),
            today=self.today,
            expected_version=self.detail.version,
        )


def _datetime_edit(value: datetime | None) -> QDateTimeEdit:
    edit = QDateTimeEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd HH:mm")
    local = (value or datetime.now().astimezone()).astimezone()
    edit.setDateTime(
        QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))
    )
    return edit


def _to_datetime(edit: QDateTimeEdit) -> datetime:
    return edit.dateTime().toPython().astimezone()


class SessionDialog(KeepsDraft, _Dialog):
    """调解笔录: time, place, mediators, who attended, what was said, the outcome."""

    ok_text = "保存笔录"

    def __init__(
        self,
        ctx: AppContext,
        detail: CaseDetail,
        today: date,
        parent=None,
        session_id: str | None = None,
    ):
        existing = next((m for m in detail.sessions if m.id == session_id), None)
        number = existing.session_no if existing else len(detail.sessions) + 1
        super().__init__(ctx, f"第{number}次调解笔录：{detail.case_no}", parent)
        self.setMinimumWidth(720)
        self.detail, self.today, self.existing = detail, today, existing
        self.held_at = self.form.add_field(
            "开始时间：", _datetime_edit(existing.held_at if existing else None), "held_at"
        )
        self.ended_at = self.form.add_field(
            "结束时间：",
            _datetime_edit(existing.ended_at if existing and existing.ended_at else None),
            "ended_at",
        )
        self.place = self.form.add_field(
            "地点：",
            QLineEdit(existing.place if existing else f"{ctx.store.station.name}劳动关系服务室"),
            "place",
        )
        mediators = "、".join(x for x in (detail.mediator_name, detail.co_mediators) if x)
        self.mediators = self.form.add_field(
            "调解员：", QLineEdit(existing.mediators if existing else mediators), "mediators"
        )
        self.recorder = self.form.add_field(
            "记录人：", QLineEdit(existing.recorder or "" if existing else ""), "recorder"
        )
        attendees = (
            "申请人："
            + detail.applicant_names(5)
            + "；被申请人："
            + "、".join(p.name for p in detail.respondents)
            + "（委托代理人：    ）"
        )
        self.attendees = QPlainTextEdit(existing.attendees if existing else attendees)
        self.attendees.setMaximumHeight(70)
        self.form.add_field("到场人员：", self.attendees, "attendees")
        self.record = QPlainTextEdit(existing.record if existing else "")
        self.record.setMinimumHeight(220)
        self.record.setPlaceholderText(
            "调解员告知权利义务；申请人陈述；被申请人答辩；调解员意见；双方意见……"
        )
        self.form.add_field("调解记录：", self.record, "record")
        self.outcome = QPlainTextEdit(existing.outcome or "" if existing else "")
        self.outcome.setMaximumHeight(70)
        self.form.add_field("调解结果：", self.outcome, "outcome")
        self.rights = QCheckBox("已告知当事人的权利义务，以及申请调解员回避的权利")
        self.rights.setChecked(existing.rights_explained if existing else False)
        self.form.add_field("权利告知：", self.rights, "rights_explained")
        self.recusal = QLineEdit(existing.recusal_note or "" if existing else "")
        self.recusal.setPlaceholderText(
            "无人申请回避的留空；申请的，写明谁申请哪位调解员回避及处理结果"
        )
        self.form.add_field("申请回避：", self.recusal, "recusal_note")
        self.finish_layout()
        # A long record is typed during the session: keep it as an encrypted draft.
        key = f"case-session:{detail.id}:{existing.id if existing else 'new'}"
        self.drafts = DraftKeeper(ctx, self, key, f"第{number}次调解笔录")
        QTimer.singleShot(0, self.drafts.offer_restore)

    def value(self) -> sessions.SessionInput:
        return sessions.SessionInput(
            held_at=_to_datetime(self.held_at),
            ended_at=_to_datetime(self.ended_at),
            place=self.place.text(),
            mediators=self.mediators.text(),
            recorder=self.recorder.text(),
            attendees=self.attendees.toPlainText(),
            record=self.record.toPlainText(),
            outcome=self.outcome.toPlainText(),
            rights_explained=self.rights.isChecked(),
            recusal_note=self.recusal.text(),
        )

    def submit(self) -> None:
        if self.existing:
            self.run(
                sessions.update_session,
                self.ctx.store,
                self.existing.id,
                self.value(),
                expected_version=self.existing.version,
            )
        else:
            self.run(
                sessions.add_session, self.ctx.store, self.detail.id, self.value(), today=self.today
            )


class PerformanceDialog(_Dialog):
    """A payment (or other performance) against one term of the signed agreement."""

    ok_text = "登记履行"

    def __init__(
        self, ctx: AppContext, detail: CaseDetail, term: TermInfo, today: date, parent=None
    ):
        super().__init__(ctx, f"登记履行：第{term.seq}项", parent)
        self.term, self.today = term, today
        current = detail.current_agreement
        status = term.status(today, current.performance_deadline if current else None)
        if term.kind == TermKind.PAYMENT:
            what = f"{term_item_name(term.item)}：应付{money(term.amount)}元，已付{money(term.paid)}元，尚欠{money(status.outstanding)}元"
        else:
            what = term.description
        label = QLabel(what)
        label.setWordWrap(True)
        self.col.insertWidget(0, label)
        self.on = self.form.add_field("履行日期：", date_edit(today), "performed_on")
        self.amount = None
        if term.kind == TermKind.PAYMENT:
            self.amount = self.form.add_field(
                "本次支付金额（元）：", QLineEdit(str(status.outstanding or "")), "amount"
            )
            self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.method = self.form.add_field("方式：", QLineEdit(term.method or ""), "method")
        self.note = self.form.add_field("备注：", QLineEdit(), "note")
        self.finish_layout()

    def submit(self) -> None:
        self.run(
            performance.record_performance,
            self.ctx.store,
            self.term.id,
            performance.PerformanceInput(
                performed_on=from_qdate(self.on.date()),
                amount=self.amount.text() if self.amount else None,
                method=self.method.text(),
                note=self.note.text(),
            ),
            today=self.today,
        )


class CommissionDialog(_Dialog):
    """The competent arbitration commission printed on every notice that points to arbitration."""

    ok_text = "保存"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        from app.cases.arbitration import load_commission

        super().__init__(ctx, "仲裁委员会信息", parent)
        current = load_commission(ctx.store)
        self.col.insertWidget(
            0,
            hint(
                "调解终止通知书、调解期限届满告知书、不予受理通知书等告知当事人申请仲裁的文书，"
                "都会印上这里的仲裁委员会名称、地址和电话（调解仲裁法第二十一条：劳动合同履行地或者"
                "用人单位所在地的仲裁委员会管辖）。"
            ),
        )
        self.name = self.form.add_field("名称：", QLineEdit(current.name), "name")
        self.address = self.form.add_field("地址：", QLineEdit(current.address or ""), "address")
        self.phone = self.form.add_field("电话：", QLineEdit(current.phone or ""), "phone")
        self.finish_layout()

    def submit(self) -> None:
        from app.cases.arbitration import save_commission

        self.run(
            save_commission,
            self.ctx.store,
            name=self.name.text(),
            address=self.address.text(),
            phone=self.phone.text(),
        )


class ConfirmationDialog(_Dialog):
    """The signed agreement taken to the arbitration commission (仲裁审查确认) or the court
    (司法确认): the day the parties applied, and a note."""

    ok_text = "保存"

    def __init__(self, ctx: AppContext, detail: CaseDetail, today: date, parent=None):
        from app.domain.deadlines import review_deadline

        super().__init__(ctx, f"仲裁审查确认 / 司法确认：{detail.case_no}", parent)
        self.detail, self.today = detail, today
        current = detail.current_agreement
        due = review_deadline(current.signed_on) if current and current.signed_on else None
        self.col.insertWidget(
            0,
            hint(
                "双方当事人可以自调解协议生效之日起十五日内共同向仲裁委员会提出仲裁审查申请"
                f"（办案规则第七十四条{'，本案应于' + cn_date(due) + '前' if due else ''}）；"
                "也可以共同向人民法院申请司法确认。已申请的，登记申请日期和结果。"
            ),
        )
        self.review = QCheckBox("已共同申请仲裁审查，日期：")
        self.review_on = date_edit(detail.review_applied_on or today)
        self.review.setChecked(detail.review_applied_on is not None)
        self.form.add_field("仲裁审查：", self.review, "review_check")
        self.form.add_field("", self.review_on, "review_applied_on")
        self.court = QCheckBox("已共同申请司法确认，日期：")
        self.court_on = date_edit(detail.court_confirmation_on or today)
        self.court.setChecked(detail.court_confirmation_on is not None)
        self.form.add_field("司法确认：", self.court, "court_check")
        self.form.add_field("", self.court_on, "court_confirmation_on")
        self.note = QPlainTextEdit(detail.confirmation_note or "")
        self.note.setMaximumHeight(80)
        self.note.setPlaceholderText("受理机构、案号、结果（如：已制作调解书）")
        self.form.add_field("情况说明：", self.note, "confirmation_note")
        self.finish_layout()

    def submit(self) -> None:
        self.run(
            workflow.record_confirmation,
            self.ctx.store,
            self.detail.id,
            review_applied_on=from_qdate(self.review_on.date())
            if self.review.isChecked()
            else None,
            court_confirmation_on=from_qdate(self.court_on.date())
            if self.court.isChecked()
            else None,
            note=self.note.toPlainText(),
            today=self.today,
            expected_version=self.detail.version,
        )


class NewVersionDialog(_Dialog):
    """制作新版本: the reason a signed agreement is changed (checked by the core); the editor of
    the new version opens with it (``reason`` once accepted)."""

    ok_text = "下一步"
    failure_title = "未能制作新版本"

    def __init__(self, ctx: AppContext, detail: CaseDetail, parent: QWidget | None = None):
        super().__init__(ctx, f"制作新版本：{detail.case_no}", parent)
        current = detail.current_agreement
        self.col.insertWidget(
            0,
            hint(
                "签署后的协议书不能修改；变更须制作新版本并写明变更原因，新版本签署后取代"
                + (f"第{current.version_no}版。" if current else "原版本。")
            ),
        )
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setMaximumHeight(100)
        self.reason_edit.setPlaceholderText("例如：双方协商将第二期付款日期延后至4月30日")
        self.form.add_field("变更原因：", self.reason_edit, "变更原因")
        self.finish_layout()
        self.reason: str | None = None

    def submit(self) -> None:
        from app.cases.agreements import check_change_reason

        self.run(check_change_reason, self.reason_edit.toPlainText())

    def _saved(self, reason: str) -> None:
        self.reason = reason
        self.accept()


class OnlineDeclineDialog(_Dialog):
    """不予受理 of an application made online: the reason, which the applicant reads when
    checking the application's state online."""

    ok_text = "不予受理"
    failure_title = "未能记录不予受理"

    def __init__(self, ctx: AppContext, app_id: str, reference: str, parent: QWidget | None = None):
        super().__init__(ctx, f"不予受理：网上申请 {reference}", parent)
        self.app_id = app_id
        self.col.insertWidget(
            0, hint("写明不予受理的理由和申请人可以去哪里申请；申请人在网上查询时会看到。")
        )
        self.reason = QPlainTextEdit()
        self.reason.setMaximumHeight(110)
        self.form.add_field("理由：", self.reason, "reason")
        self.finish_layout()

    def submit(self) -> None:
        from app.cases.online import decline

        self.run(decline, self.ctx.store, self.app_id, self.reason.toPlainText())
