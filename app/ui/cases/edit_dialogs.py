"""Corrections of a registered case while it is open: the registration details (claims, facts,
handling) with the intake form's own sections, and one party's details (an applicant or an agent).

Both save in the background through the core (:func:`app.cases.workflow.update_details`,
:func:`app.cases.parties.correct_party`) with the versions the case page loaded, so a change made
by someone else in between is refused rather than overwritten.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.cases import workflow
from app.cases.detail import CaseDetail, PartyInfo
from app.cases.intake import AUTHORITIES, AgentInput, ClaimInput, WorkerInput, worker_label
from app.cases.parties import correct_party
from app.domain.enums import PartyRole
from app.domain.identity import check_identity
from app.ui.cases.common import from_qdate, hint, to_qdate
from app.ui.cases.intake_dialog import DOC_CHOICES, CaseFormParts, confirm_employment
from app.ui.context import AppContext
from app.ui.drafts import DraftKeeper, KeepsDraft
from app.ui.forms import SaveControls, ValidatedForm
from app.ui.widgets.fit import fit_window


class CaseDetailsDialog(KeepsDraft, CaseFormParts, QDialog):
    """修改登记信息: the claims (types and amounts), requests, facts and handling details."""

    def __init__(
        self, ctx: AppContext, detail: CaseDetail, today: date, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.ctx, self.detail, self.today = ctx, detail, today
        self.setWindowTitle(f"修改登记信息：{detail.case_no}")
        fit_window(self, 900, 760)
        outer = QVBoxLayout(self)
        outer.addWidget(
            hint(
                "案件受理、调解期间可以更正登记信息；当事人的姓名、身份证号、联系方式请用"
                "“修改当事人信息…”更正。收到申请日期和来源渠道不能修改。"
            )
        )
        self._scrolling_body(outer)
        self._build_claims("一、请求事项")
        self._build_handling("二、办理信息")
        outer.addLayout(self._save_row("保存修改", "未能保存登记信息"))
        self._prefill()
        self.drafts = DraftKeeper(
            ctx, self, f"case-edit:{detail.id}", f"修改登记信息{detail.case_no}"
        )
        self.drafts.mark_clean()
        QTimer.singleShot(0, self.drafts.offer_restore)

    def _prefill(self) -> None:
        d = self.detail
        for c in d.claims:
            self.add_claim(ClaimInput(c.dispute_type, c.amount, c.description or ""))
        self.requests.setPlainText(d.requests or "")
        self.facts.setPlainText(d.facts or "")
        self.migrant.setChecked(d.is_migrant_worker)
        self._set_employment(d.employment_status, d.employment_ended_on)
        self._set_date(self.known, self.known_on, d.infringement_known_on)
        index = self.mediator.findData(d.mediator_id)
        if index < 0:
            # A mediator no longer active stays in charge unless another is chosen.
            self.mediator.insertItem(0, f"{d.mediator_name or '（未指定）'}（保持不变）", None)
            index = 0
        self.mediator.setCurrentIndex(index)
        self.co_mediators.setText(d.co_mediators or "")

    def _set_employment(self, status, ended_on: date | None) -> None:
        if status is None and ended_on is not None:
            status = "ended"
        index = self.employment_status.findData(str(status) if status else None)
        self.employment_status.setCurrentIndex(max(0, index))
        if ended_on is not None:
            self.employment_ended_on.setDate(to_qdate(ended_on))

    def _employment_ended(self) -> date | None:
        if self.employment_status.currentData() != "ended":
            return None
        return from_qdate(self.employment_ended_on.date())

    @staticmethod
    def _set_date(check: QCheckBox, edit, day: date | None) -> None:
        check.setChecked(day is not None)
        if day is not None:
            edit.setDate(to_qdate(day))

    def _date_of(self, check: QCheckBox, edit) -> date | None:
        return from_qdate(edit.date()) if check.isChecked() else None

    def values(self) -> dict:
        return dict(
            facts=self.facts.toPlainText(),
            requests=self.requests.toPlainText(),
            claims=self.claim_inputs(),
            mediator_id=self.mediator.currentData(),
            co_mediators=self.co_mediators.text(),
            is_migrant_worker=self.migrant.isChecked(),
            employment_status=self.employment_status.currentData(),
            employment_ended_on=self._employment_ended(),
            infringement_known_on=self._date_of(self.known, self.known_on),
        )

    def save(self) -> None:
        v = self.values()
        if not confirm_employment(
            self, v["employment_status"], [c.dispute_type for c in v["claims"]]
        ):
            return
        self.saving.run(
            workflow.update_details,
            self.ctx.store,
            self.detail.id,
            **v,
            today=self.today,
            expected_version=self.detail.version,
            on_done=self._saved,
        )

    def _saved(self, _result) -> None:
        self.accept()

    # ---------------------------------------------------------- drafts (claim rows vary)

    def draft_state(self) -> dict:
        v = self.values()
        return {
            "version": self.detail.version,
            "claims": [
                {"dispute_type": c.dispute_type, "amount": c.amount, "description": c.description}
                for c in v["claims"]
            ],
            "requests": v["requests"],
            "facts": v["facts"],
            "migrant": v["is_migrant_worker"],
            "mediator_id": v["mediator_id"],
            "co_mediators": v["co_mediators"],
            "employment_status": v["employment_status"],
            "employment_ended_on": _iso(v["employment_ended_on"]),
            "infringement_known_on": _iso(v["infringement_known_on"]),
        }

    def restore_draft_state(self, state: dict) -> bool:
        if state.get("version") != self.detail.version:
            # Typed over an older version of the case: saving it would undo someone's change.
            self.status.setText("草稿保存之后案件已被修改，草稿未恢复；请按当前内容重新修改。")
            return False
        self.claims.setRowCount(0)
        for c in state.get("claims", []):
            self.add_claim(ClaimInput(**c))
        self.requests.setPlainText(state.get("requests", ""))
        self.facts.setPlainText(state.get("facts", ""))
        self.migrant.setChecked(bool(state.get("migrant")))
        index = self.mediator.findData(state.get("mediator_id"))
        if index >= 0:
            self.mediator.setCurrentIndex(index)
        self.co_mediators.setText(state.get("co_mediators", ""))
        ended = state.get("employment_ended_on")
        self._set_employment(
            state.get("employment_status"), date.fromisoformat(ended) if ended else None
        )
        day = state.get("infringement_known_on")
        self._set_date(self.known, self.known_on, date.fromisoformat(day) if day else None)
        self.status.setText("已恢复草稿。")
        return True


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def editable_parties(detail: CaseDetail) -> list[tuple[str, PartyInfo]]:
    """(label, party) for the parties that are people: applicants, then agents."""
    out = [
        (f"{worker_label(i)}　{p.name}", p) for i, p in enumerate(detail.applicants) if p.person_id
    ]
    out += [
        (f"委托代理人{i + 1}　{p.name}（{p.role.label}）", p)
        for i, p in enumerate(detail.agents)
        if p.person_id
    ]
    return out


class PartyDialog(QDialog):
    """修改当事人信息: pick an applicant or agent, correct its details (checked as at intake)."""

    def __init__(
        self,
        ctx: AppContext,
        detail: CaseDetail,
        today: date,
        parent: QWidget | None = None,
        party_id: str | None = None,
    ):
        super().__init__(parent)
        self.ctx, self.detail, self.today = ctx, detail, today
        self.setWindowTitle(f"修改当事人信息：{detail.case_no}")
        self.setMinimumWidth(620)
        col = QVBoxLayout(self)
        col.addWidget(
            hint(
                "更正申请人或委托代理人的信息。身份证号不变的，该人员在其他案件中的信息一并更正；"
                "更正了身份证号的，原记录在其他案件中保持不变。已签署的协议书保持签署时的内容。"
                "用人单位的信息请在企业名录中修改。"
            )
        )
        self.form = ValidatedForm()
        col.addLayout(self.form)
        self.party = QComboBox()
        for label, p in editable_parties(detail):
            self.party.addItem(label, p.id)
        self.form.add_field("当事人：", self.party, "party")
        self.name = self.form.add_field("姓名：", QLineEdit(), "name")
        self.id_type = QComboBox()
        for value, label in DOC_CHOICES:
            self.id_type.addItem(label, value)
        self.form.add_field("证件类型：", self.id_type, "id_type")
        self.id_number = self.form.add_field("证件号码：", QLineEdit(), "id_number")
        self.sex = self.form.add_field("性别、出生日期：", QLabel(), "sex")
        self.phone = self.form.add_field("联系电话：", QLineEdit(), "phone")
        self.address = self.form.add_field("住址：", QLineEdit(), "address")
        self.job = self.form.add_field("工作岗位：", QLineEdit(), "job")
        self.hukou = self.form.add_field("户籍地：", QLineEdit(), "hukou")
        self.representative = self.form.add_field(
            "推举代表：", QCheckBox("本人为劳动者一方推举的代表（集体争议）"), "is_representative"
        )
        self.organisation = self.form.add_field("单位：", QLineEdit(), "organisation")
        self.authority = QComboBox()
        self.authority.addItems(AUTHORITIES)
        self.form.add_field("代理权限：", self.authority, "authority")
        controls = SaveControls(
            ctx, self, self.form, "保存修改", on_ok=self.save, title="未能保存当事人信息"
        )
        self.ok_button, self.saving = controls.ok_button, controls.saving
        col.addLayout(controls.footer())
        self.id_number.textChanged.connect(self._show_sex)
        self.id_type.currentIndexChanged.connect(self._show_sex)
        self.party.currentIndexChanged.connect(self._show_party)
        index = self.party.findData(party_id) if party_id else 0
        self.party.setCurrentIndex(max(index, 0))
        self._show_party()

    @property
    def current(self) -> PartyInfo | None:
        return self.detail.party(self.party.currentData())

    def _show_party(self) -> None:
        p = self.current
        if p is None:
            self.ok_button.setEnabled(False)
            return
        self.form.clear_errors()
        applicant = p.role == PartyRole.APPLICANT
        self.name.setText(p.name)
        self.id_type.setCurrentIndex(max(0, self.id_type.findData(p.id_type or "resident_id")))
        self.id_number.setText(p.id_number or "")
        self.id_number.setPlaceholderText("" if applicant else "可不填")
        self.phone.setText(p.phone or "")
        self.address.setText(p.address or "")
        self.job.setText(p.job or "")
        self.hukou.setText(p.hukou or "")
        self.representative.setChecked(p.is_representative)
        self.organisation.setText(p.organisation or "")
        self.authority.setCurrentText(p.authority or AUTHORITIES[0])
        for widget, shown in (
            (self.id_type, applicant),
            (self.address, applicant),
            (self.job, applicant),
            (self.hukou, applicant),
            (self.representative, applicant and self.detail.is_collective),
            (self.organisation, not applicant),
            (self.authority, not applicant),
        ):
            self.form.setRowVisible(widget.parentWidget(), shown)
        self._show_sex()

    def _show_sex(self) -> None:
        number = self.id_number.text().strip()
        if not number:
            self.sex.setText("（由证件号码读出）")
            return
        doc = self.id_type.currentData() if self.current_is_applicant() else None
        result = check_identity(doc, number, today=self.today)
        if not result.ok:
            self.sex.setText(f"（{result.message}）")
        elif result.birth_date is None:
            self.sex.setText("（证件号不含性别和出生日期）")
        else:
            self.sex.setText(f"{result.sex}，{result.birth_date.isoformat()}")

    def current_is_applicant(self) -> bool:
        p = self.current
        return p is not None and p.role == PartyRole.APPLICANT

    def value(self) -> WorkerInput | AgentInput:
        if self.current.role == PartyRole.APPLICANT:
            return WorkerInput(
                name=self.name.text(),
                id_type=self.id_type.currentData(),
                id_number=self.id_number.text(),
                phone=self.phone.text(),
                address=self.address.text(),
                job=self.job.text(),
                hukou=self.hukou.text(),
                is_representative=self.representative.isChecked(),
            )
        return AgentInput(
            name=self.name.text(),
            id_number=self.id_number.text(),
            phone=self.phone.text(),
            organisation=self.organisation.text(),
            authority=self.authority.currentText(),
        )

    def save(self) -> None:
        p = self.current
        if p is None:
            return
        self.saving.run(
            correct_party,
            self.ctx.store,
            self.detail.id,
            p.id,
            self.value(),
            today=self.today,
            expected_version=self.detail.version,
            expected_person_version=p.person_version,
            on_done=self._saved,
        )

    def _saved(self, _result) -> None:
        self.accept()
