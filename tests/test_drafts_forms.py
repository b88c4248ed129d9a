"""Drafts of the forms people type the most into: the session record and the enterprise form."""

from datetime import date

from PySide6.QtWidgets import QMessageBox

from app.cases.detail import load_case
from app.store import drafts
from app.ui.cases.dialogs import SessionDialog
from app.ui.context import AppContext
from app.ui.roster.enterprise_form import EnterpriseDialog
from tests.cases_support import in_mediation

TODAY = date(2026, 3, 5)


def test_session_record_draft_survives_cancel_and_is_offered_back(qtbot, store, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    case_id = in_mediation(store)
    ctx = AppContext(store)
    with store.read() as s:
        detail = load_case(s, case_id)
    dialog = SessionDialog(ctx, detail, TODAY)
    qtbot.addWidget(dialog)
    dialog.record.setPlainText("申请人陈述：公司拖欠两个月工资，要求一次性支付。")
    dialog.reject()  # closed without saving (or the power went)
    key = f"case-session:{case_id}:new"
    assert drafts.load_draft(store, key) is not None
    again = SessionDialog(ctx, detail, TODAY)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: "拖欠两个月工资" in again.record.toPlainText(), timeout=5000)
    again.outcome.setPlainText("双方同意下次再调解。")
    again.submit()
    qtbot.waitUntil(lambda: again.result() == 1, timeout=10_000)
    assert drafts.load_draft(store, key) is None


def test_enterprise_form_draft(qtbot, store, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    ctx = AppContext(store)
    dialog = EnterpriseDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.inputs["name"].setText("福州草稿测试有限公司")
    dialog.reject()
    again = EnterpriseDialog(ctx)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.inputs["name"].text() == "福州草稿测试有限公司", timeout=5000)
