"""新建企业: the minimum a case needs when the employer is not in the roster yet (name, credit code,
legal representative, address, phone). The enterprise is created with the case, in its transaction;
the roster area owns the full enterprise form."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.cases.enterprises import EnterpriseInput
from app.domain.validators import check_credit_code, check_phone
from app.store.errors import Problems
from app.ui.cases.common import hint
from app.ui.forms import ValidatedForm, dialog_buttons


class NewEnterpriseDialog(QDialog):
    def __init__(
        self,
        name: str = "",
        *,
        is_admin: bool,
        parent: QWidget | None = None,
        initial: EnterpriseInput | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle("新建企业")
        self.is_admin = is_admin
        col = QVBoxLayout(self)
        col.addWidget(
            hint(
                "名录中没有该企业时在此登记基本信息，登记案件时一并保存；其余信息可在企业名录中补充。"
            )
        )
        self.form = ValidatedForm()
        self.name = self.form.add_field("企业名称：", QLineEdit(name), "name")
        self.credit_code = self.form.add_field("统一社会信用代码：", QLineEdit(), "credit_code")
        self.accept_check = QCheckBox("代码校验位不符，但经核对确为真实代码（须站点管理员确认）")
        self.accept_check.setVisible(False)
        self.accept_check.setEnabled(is_admin)
        self.form.addRow("", self.accept_check)
        self.legal_rep = self.form.add_field("法定代表人：", QLineEdit(), "legal_rep")
        self.address = self.form.add_field("住所：", QLineEdit(), "address")
        self.phone = self.form.add_field("联系电话：", QLineEdit(), "phone")
        col.addLayout(self.form)
        col.addWidget(self.form.summary)
        col.addWidget(dialog_buttons(self, "确定", on_ok=self._ok))
        self.credit_code.editingFinished.connect(self._check_code)
        if initial is not None:
            self.name.setText(initial.name)
            self.credit_code.setText(initial.credit_code)
            self.legal_rep.setText(initial.legal_rep)
            self.address.setText(initial.address)
            self.phone.setText(initial.phone)
            self.accept_check.setChecked(initial.accept_failed_check)
            self._check_code()

    def _check_code(self) -> bool:
        text = self.credit_code.text().strip()
        self.accept_check.setVisible(False)
        if not text:
            self.form.set_error("credit_code", "")
            return True
        result = check_credit_code(text)
        if result.ok:
            self.credit_code.setText(result.value)
            self.form.set_error("credit_code", "")
            return True
        self.accept_check.setVisible(result.overridable)
        if result.overridable and self.accept_check.isChecked() and self.is_admin:
            self.form.set_error("credit_code", "")
            return True
        message = result.message
        if result.overridable and not self.is_admin:
            message += "（当前用户不是站点管理员）"
        self.form.set_error("credit_code", message)
        return False

    def _ok(self) -> None:
        problems = Problems()
        if not self.name.text().strip():
            problems.add("name", "企业名称", "不能为空")
        if not self._check_code():
            problems.add("credit_code", "统一社会信用代码", self.form.errors()["credit_code"])
        if self.phone.text().strip():
            phone = check_phone(self.phone.text())
            if not phone.ok:
                problems.add("phone", "联系电话", phone.message)
        if problems:
            self.form.show_problems(problems.items)
            return
        self.accept()

    def value(self) -> EnterpriseInput:
        return EnterpriseInput(
            name=self.name.text().strip(),
            credit_code=self.credit_code.text().strip(),
            legal_rep=self.legal_rep.text().strip(),
            address=self.address.text().strip(),
            phone=self.phone.text().strip(),
            accept_failed_check=not self.accept_check.isHidden() and self.accept_check.isChecked(),
        )
