"""The 同步 section: enrollment, sync status in plain words, quarantined records, district notices."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.dates import short_datetime
from app.store.models import MODEL_BY_ENTITY
from app.sync import batches, state
from app.sync.client import SyncProblem
from app.sync.run import SyncResult, enroll
from app.ui.context import AppContext, user_message
from app.ui.sections import Section
from app.ui.sync.controller import SyncController


def _when(dt) -> str:
    return short_datetime(dt) if dt else "从未"


class RowsModel(QAbstractTableModel):
    """A small read-only table (quarantine and notices hold tens of rows, not thousands)."""

    def __init__(self, headers: list[str], parent=None):
        super().__init__(parent)
        self.headers = headers
        self.rows: list[tuple] = []
        self.keys: list = []

    def set_rows(self, rows: list[tuple], keys: list) -> None:
        self.beginResetModel()
        self.rows, self.keys = rows, keys
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return len(self.headers)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return str(self.rows[index.row()][index.column()])
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None


def _table(model: QAbstractTableModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return view


FIELD_LABELS = {"name": "名称", "phone": "电话", "address": "地址", "deleted": "是否删除",
                "legal_rep": "法定代表人", "note": "备注", "status": "状态"}  # fmt: skip


def _plain(value) -> str:
    if value is None:
        return ""
    if value is True:
        return "是"
    if value is False:
        return "否"
    return str(value)


def _record_label(c: dict) -> str:
    model = MODEL_BY_ENTITY.get(c["entity"])
    return f"{model.label if model else c['entity']} {c['record_id'][:8]}"


def _side(c: dict, side: str) -> str:
    from datetime import datetime

    value = _plain(c.get(f"{side}_value")) or "（空）"
    who = c.get(f"{side}_device_name") or (c.get(f"{side}_device") or "区级合并")[:8]
    at = c.get(f"{side}_at")
    try:
        when = _when(datetime.fromisoformat(at)) if at else ""
    except ValueError:
        when = ""
    return f"{value}（{who}{'，' + when if when else ''}）"


def _resolve_conflict(store, conflict: dict, choice: str, value):
    from app.sync import conflicts
    from app.sync.run import _client

    with _client(store, None, "zstd") as client:
        conflicts.resolve(store, client, conflict, choice, value)


class SyncSection(Section):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.controller = SyncController.for_context(ctx)
        self.ca_pem: str | None = None
        layout = QVBoxLayout(self)

        # -- enrollment
        box = QGroupBox("区级服务器登记")
        form = QFormLayout(box)
        self.server_edit = QLineEdit()
        self.server_edit.setPlaceholderText("例如 https://10.1.2.3:8443")
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText("区人社局提供的一次性登记码，例如 ABCD-EFGH-JKLM-NPQR")
        ca_row = QHBoxLayout()
        self.ca_label = QLabel("尚未选择")
        self.ca_button = QPushButton("选择证书文件…")
        self.ca_button.clicked.connect(self._choose_ca)
        ca_row.addWidget(self.ca_label, 1)
        ca_row.addWidget(self.ca_button)
        self.enroll_button = QPushButton("登记")
        self.enroll_button.clicked.connect(self._enroll)
        self.enrolled_label = QLabel("")
        form.addRow("服务器地址", self.server_edit)
        form.addRow("登记码", self.code_edit)
        form.addRow("区级服务器证书", ca_row)
        ca_hint = QLabel(
            "区人社局随登记码一并提供的证书文件（CA 证书），用来确认连上的是真正的区级服务器"
        )
        ca_hint.setProperty("role", "hint")
        ca_hint.setWordWrap(True)
        form.addRow("", ca_hint)
        form.addRow(self.enroll_button, self.enrolled_label)
        if not ctx.user.is_admin:
            for w in (self.server_edit, self.code_edit, self.ca_button, self.enroll_button):
                w.setEnabled(False)
            self.enroll_button.setToolTip("只有站点管理员可以登记")
        layout.addWidget(box)

        # -- status
        box = QGroupBox("同步状态")
        form = QFormLayout(box)
        self.last_success = QLabel("—")
        self.waiting = QLabel("—")
        self.waiting.setToolTip("尚未发送到区级服务器的记录；一条记录改过多次只算一条")
        self.problem = QLabel("无")
        self.problem.setWordWrap(True)
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.interval = QComboBox()
        for minutes in state.INTERVAL_CHOICES:
            self.interval.addItem(
                f"每 {minutes} 分钟" if minutes < 60 else f"每 {minutes // 60} 小时", minutes
            )
        self.interval.activated.connect(self._interval_chosen)
        buttons = QHBoxLayout()
        self.sync_button = QPushButton("立即同步")
        self.sync_button.setDefault(True)
        self.sync_button.clicked.connect(self.controller.sync_now)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.progress, 1)
        form.addRow("上次成功同步", self.last_success)
        form.addRow("待同步", self.waiting)
        form.addRow("上次遇到的问题", self.problem)
        form.addRow("自动同步", self.interval)
        form.addRow(buttons)
        layout.addWidget(box)

        # -- lists, one tab each (the page fits a 1366×768 screen)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)

        # -- the station's PCs (protocol 2)
        box = QWidget()
        col = QVBoxLayout(box)
        self.devices_model = RowsModel(["电脑", "登记时间", "上次同步", "案件编号", "状态"], self)
        self.devices_view = _table(self.devices_model)
        col.addWidget(self.devices_view)
        self.retire_button = QPushButton("停用所选电脑…")
        self.retire_button.setToolTip("电脑报废、丢失或不再使用时停用：其同步凭据立即失效")
        self.retire_button.clicked.connect(self._retire)
        if not ctx.user.is_admin:
            self.retire_button.setEnabled(False)
        col.addWidget(self.retire_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.devices_tab = self.tabs.addTab(box, "本站的电脑")

        # -- field conflicts between the station's PCs (protocol 2)
        box = QWidget()
        col = QVBoxLayout(box)
        self.conflict_model = RowsModel(["记录", "字段", "先到区级的值", "另一台电脑的值"], self)
        self.conflict_view = _table(self.conflict_model)
        row = QHBoxLayout()
        self.keep_held_button = QPushButton("采用先到区级的值")
        self.keep_held_button.clicked.connect(lambda: self._resolve("held"))
        self.take_incoming_button = QPushButton("采用另一台电脑的值")
        self.take_incoming_button.clicked.connect(lambda: self._resolve("incoming"))
        self.edit_button = QPushButton("改为其他值…")
        self.edit_button.clicked.connect(lambda: self._resolve("edited"))
        for w in (self.keep_held_button, self.take_incoming_button, self.edit_button):
            row.addWidget(w)
            if not ctx.user.is_admin:
                w.setEnabled(False)
                w.setToolTip("只有站点管理员可以处理冲突")
        row.addStretch(1)
        col.addWidget(self.conflict_view)
        col.addLayout(row)
        self.conflicts_tab = self.tabs.addTab(box, "字段冲突")
        self._conflicts: list[dict] = []

        # -- quarantine
        box = QWidget()
        col = QVBoxLayout(box)
        self.quarantine_model = RowsModel(["类型", "记录编号", "退回原因", "时间"], self)
        self.quarantine_view = _table(self.quarantine_model)
        self.requeue_button = QPushButton("重新发送所选记录")
        self.requeue_button.clicked.connect(self._requeue)
        col.addWidget(self.quarantine_view)
        col.addWidget(
            QLabel("修改被退回的记录后会自动重新发送；若原因已由区级排除，可选中后点“重新发送”。")
        )
        col.addWidget(self.requeue_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.quarantine_tab = self.tabs.addTab(box, "被退回的记录")

        # -- notices
        box = QWidget()
        col = QVBoxLayout(box)
        self.notice_model = RowsModel(["发布时间", "标题"], self)
        self.notice_view = _table(self.notice_model)
        self.notice_view.selectionModel().currentRowChanged.connect(self._show_notice)
        self.notice_body = QPlainTextEdit()
        self.notice_body.setReadOnly(True)
        self.notice_body.setMaximumHeight(90)
        col.addWidget(self.notice_view)
        col.addWidget(self.notice_body)
        self.notices_tab = self.tabs.addTab(box, "区级通知")

        # -- correction requests from the district (app/ui/corrections.py)
        from app.ui.corrections import CorrectionsList

        self.corrections = CorrectionsList(ctx)
        self.corrections_tab = self.tabs.addTab(self.corrections, "退回补正")
        self.corrections.open_changed.connect(
            lambda n: self.tabs.setTabText(
                self.corrections_tab, f"退回补正（{n}）" if n else "退回补正"
            )
        )

        self.controller.status_changed.connect(self._show_status)
        self.controller.started.connect(self._started)
        self.controller.finished.connect(self._finished)
        self.controller.progress.connect(self._progress)
        self._notices: list = []

    # ---------------------------------------------------------------- refresh

    def activated(self) -> None:
        self.controller.refresh_status()
        self.ctx.run(self._load_lists, self.ctx.store, on_done=self._show_lists)
        self.corrections.reload()

    @staticmethod
    def _load_lists(store):
        from app.sync import conflicts

        return (
            state.quarantined(store),
            state.notices(store),
            store.get_setting(state.ENROLLED_AT),
            state.devices(store),
            conflicts.open_conflicts(store),
        )

    def _show_lists(self, loaded) -> None:
        from datetime import datetime

        quarantined, notices, enrolled_at, devices, open_conflicts = loaded
        self._conflicts = open_conflicts
        self.tabs.setTabText(
            self.conflicts_tab,
            f"字段冲突（{len(open_conflicts)}）" if open_conflicts else "字段冲突",
        )
        self.tabs.setTabText(
            self.quarantine_tab,
            f"被退回的记录（{len(quarantined)}）" if quarantined else "被退回的记录",
        )
        self.conflict_model.set_rows(
            [
                (
                    _record_label(c),
                    FIELD_LABELS.get(c["field"], c["field"]),
                    _side(c, "held"),
                    _side(c, "incoming"),
                )
                for c in open_conflicts
            ],
            [c["id"] for c in open_conflicts],
        )

        def when(text):
            return _when(datetime.fromisoformat(text)) if text else "从未"

        self.devices_model.set_rows(
            [
                (
                    (d.get("name") or d["id"][:8]) + ("（本机）" if d.get("this_device") else ""),
                    when(d.get("enrolled_at")),
                    when(d.get("last_seen_at")),
                    {"blocks": "区级分配号段", "own": "本机连续编号"}.get(d.get("numbering"), "—"),
                    "已停用" if d.get("revoked_at") else "使用中",
                )
                for d in devices
            ],
            [d["id"] for d in devices],
        )
        rows = []
        for q in quarantined:
            model = MODEL_BY_ENTITY.get(q.entity)
            rows.append(
                (model.label if model else q.entity, q.entity_id[:8], q.reason, _when(q.at))
            )
        self.quarantine_model.set_rows(rows, [q.id for q in quarantined])
        self._notices = notices
        self.notice_model.set_rows(
            [(_when(n.published_at), n.title) for n in notices], [n.id for n in notices]
        )
        if enrolled_at:
            from datetime import datetime

            self.enrolled_label.setText(f"已登记（{_when(datetime.fromisoformat(enrolled_at))}）")

    def _show_status(self, status: state.SyncStatus) -> None:
        if status.server_url and not self.server_edit.text():
            self.server_edit.setText(status.server_url)
        if not status.enrolled:
            self.enrolled_label.setText("尚未登记")
        self.last_success.setText(_when(status.last_success_at))
        self.waiting.setText(f"{status.waiting} 条记录")
        self.problem.setText(status.last_problem or "无")
        self.problem.setStyleSheet("color: #c53030;" if status.last_problem else "")
        index = self.interval.findData(status.interval_minutes)
        if index >= 0:
            self.interval.setCurrentIndex(index)
        self.sync_button.setEnabled(status.enrolled and not self.controller.running)

    def _started(self) -> None:
        self.sync_button.setEnabled(False)
        self.sync_button.setText("正在同步…")
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)

    def _progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{text} %p%" if text else "%p%")

    def _finished(self, result: SyncResult) -> None:
        self.sync_button.setText("立即同步")
        self.sync_button.setEnabled(True)
        self.progress.setVisible(False)
        self.activated()

    # ---------------------------------------------------------------- actions

    def load_ca_file(self, path: Path) -> None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            QMessageBox.warning(self, "无法读取证书", f"无法读取文件：{path}")
            return
        if "BEGIN CERTIFICATE" not in text:
            QMessageBox.warning(
                self,
                "不是证书文件",
                "所选文件不是 PEM 格式的证书，请选择区人社局提供的服务器根证书（CA 证书，.pem 文件）",
            )
            return
        self.ca_pem = text
        self.ca_label.setText(Path(path).name)

    def _choose_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "选择区级服务器证书（区人社局提供的 CA 证书）",
            "",
            "证书 (*.pem *.crt *.cer);;所有文件 (*)",
        )
        if path:
            self.load_ca_file(Path(path))

    def _enroll(self) -> None:
        self.enroll_button.setEnabled(False)
        self.enrolled_label.setText("正在登记…")

        def failed(exc: BaseException) -> None:
            self.enroll_button.setEnabled(True)
            self.enrolled_label.setText("登记未成功")
            message = str(exc) if isinstance(exc, SyncProblem) else user_message(exc)
            QMessageBox.warning(self, "登记未成功", message)

        def done(name: str) -> None:
            self.enroll_button.setEnabled(True)
            self.code_edit.clear()
            self.enrolled_label.setText(f"已登记为{name}")
            self.controller.last_status = None  # enrolled now: the first pass runs at once
            self.controller.sync_now()

        self.ctx.run(
            enroll,
            self.ctx.store,
            self.server_edit.text(),
            self.code_edit.text(),
            self.ca_pem,
            on_done=done,
            on_failed=failed,
        )

    def _interval_chosen(self, index: int) -> None:
        self.controller.set_interval(int(self.interval.itemData(index)))

    def _requeue(self) -> None:
        rows = self.quarantine_view.selectionModel().selectedRows()
        if not rows:
            return
        qid = self.quarantine_model.keys[rows[0].row()]
        self.ctx.run(
            batches.requeue, self.ctx.store, qid, on_done=lambda _r: self.controller.sync_now()
        )

    def _retire(self, *, confirm: bool = True) -> None:
        rows = self.devices_view.selectionModel().selectedRows()
        if not rows:
            QMessageBox.information(self, "停用电脑", "请先在列表中选择一台电脑")
            return
        device_id = self.devices_model.keys[rows[0].row()]
        name = self.devices_model.rows[rows[0].row()][0]
        if confirm:
            answer = QMessageBox.question(
                self, "停用电脑",
                f"停用“{name}”？它的同步凭据立即失效，再次使用需向区人社局申请新的登记码。",
            )  # fmt: skip
            if answer != QMessageBox.StandardButton.Yes:
                return
        from app.sync.run import retire_device

        def failed(exc: BaseException) -> None:
            message = str(exc) if isinstance(exc, SyncProblem) else user_message(exc)
            QMessageBox.warning(self, "未能停用", message)

        self.ctx.run(retire_device, self.ctx.store, device_id,
                     on_done=lambda _r: self.activated(), on_failed=failed)  # fmt: skip

    def _resolve(self, choice: str) -> None:
        rows = self.conflict_view.selectionModel().selectedRows()
        if not rows:
            QMessageBox.information(self, "处理冲突", "请先在列表中选择一个冲突")
            return
        conflict = self._conflicts[rows[0].row()]
        value = None
        if choice == "edited":
            from PySide6.QtWidgets import QInputDialog

            text, ok = QInputDialog.getText(
                self, "改为其他值", f"“{FIELD_LABELS.get(conflict['field'], conflict['field'])}”的新值：",
                text=_plain(conflict.get("incoming_value")),
            )  # fmt: skip
            if not ok:
                return
            value = text

        def failed(exc: BaseException) -> None:
            message = str(exc) if isinstance(exc, SyncProblem) else user_message(exc)
            QMessageBox.warning(self, "冲突未处理", message)
            self.activated()

        def done(_result) -> None:
            self.activated()
            self.controller.sync_now()

        self.ctx.run(_resolve_conflict, self.ctx.store, conflict, choice, value,
                     on_done=done, on_failed=failed)  # fmt: skip

    def _show_notice(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and current.row() < len(self._notices):
            notice = self._notices[current.row()]
            self.notice_body.setPlainText(f"{notice.title}\n\n{notice.body}")
            if notice.read_at is None:
                self.ctx.run(state.mark_notices_read, self.ctx.store, on_done=lambda _r: None)
