"""Pick an enterprise from the roster by typing part of its name, code, legal rep or initials.

    picker = EnterprisePicker(ctx)
    picker.selected.connect(lambda enterprise_id: ...)
    picker.create_requested.connect(lambda typed_text: ...)  # "新建企业…" when it is not in the roster
    picker.set_enterprise(enterprise_id)   # show an existing choice

Lookups run in the background (debounced) so typing never waits on the store.
"""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import QCompleter, QHBoxLayout, QLineEdit, QPushButton, QWidget

from app.store.models import Enterprise
from app.store.queries import EnterpriseHit, lookup_enterprises
from app.ui.context import AppContext

DEBOUNCE_MS = 200


class EnterprisePicker(QWidget):
    selected = Signal(str)
    cleared = Signal()
    create_requested = Signal(str)

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, allow_create: bool = True
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.enterprise_id: str | None = None
        self._hits: dict[str, EnterpriseHit] = {}
        self._generation = 0
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("输入企业名称、信用代码、法定代表人或拼音首字母")
        self.edit.setClearButtonEnabled(True)
        row.addWidget(self.edit, 1)
        self.create_button = QPushButton("新建企业…")
        self.create_button.setVisible(allow_create)
        self.create_button.clicked.connect(
            lambda: self.create_requested.emit(self.edit.text().strip())
        )
        row.addWidget(self.create_button)
        self.model = QStringListModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.activated[str].connect(self._chosen)
        self.edit.setCompleter(self.completer)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self._lookup)
        self.edit.textEdited.connect(self._typed)

    def _typed(self, text: str) -> None:
        if self.enterprise_id is not None:
            self.enterprise_id = None
            self.cleared.emit()
        self.timer.start()

    def _lookup(self) -> None:
        text = self.edit.text().strip()
        if not text:
            self.model.setStringList([])
            return
        self._generation += 1
        generation = self._generation

        def search() -> list[EnterpriseHit]:
            with self.ctx.store.read() as s:
                return lookup_enterprises(s, text)

        self.ctx.run(search, on_done=lambda hits: self._show(hits, generation))

    def _show(self, hits: list[EnterpriseHit], generation: int) -> None:
        if generation != self._generation:
            return  # an older lookup finished after a newer one started
        self._hits = {hit.label: hit for hit in hits}
        self.model.setStringList(list(self._hits))
        if hits and self.edit.hasFocus():
            self.completer.complete()

    def _chosen(self, label: str) -> None:
        hit = self._hits.get(label)
        if hit is None:
            return
        self.enterprise_id = hit.id
        self.edit.setText(hit.label)
        self.selected.emit(hit.id)

    def set_enterprise(self, enterprise_id: str | None) -> None:
        self.enterprise_id = enterprise_id
        if enterprise_id is None:
            self.edit.clear()
            return
        with self.ctx.store.read() as s:
            e = s.get(Enterprise, enterprise_id)
        if e is not None:
            self.edit.setText(f"{e.name}（{e.credit_code}）" if e.credit_code else e.name)
