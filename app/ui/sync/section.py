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

        # -- quarantine
        box = QGroupBox("被区级服务器退回的记录（其余数据照常同步）")
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
        layout.addWidget(box, 1)

        # -- notices
        box = QGroupBox("区级通知")
        col = QVBoxLayout(box)
        self.notice_model = RowsModel(["发布时间", "标题"], self)
        self.notice_view = _table(self.notice_model)
        self.notice_view.selectionModel().currentRowChanged.connect(self._show_notice)
        self.notice_body = QPlainTextEdit()
        self.notice_body.setReadOnly(True)
        self.notice_body.setMaximumHeight(90)
        col.addWidget(self.notice_view)
        col.addWidget(self.notice_body)
        layout.addWidget(box, 1)

        self.controller.status_changed.connect(self._show_status)
        self.controller.started.connect(self._started)
        self.controller.finished.connect(self._finished)
        self.controller.progress.connect(self._progress)
        self._notices: list = []

    # ---------------------------------------------------------------- refresh

    def activated(self) -> None:
        self.controller.refresh_status()
        self.ctx.run(self._load_lists, self.ctx.store, on_done=self._show_lists)

    @staticmethod
    def _load_lists(store):
        return state.quarantined(store), state.notices(store), store.get_setting(state.ENROLLED_AT)

    def _show_lists(self, loaded) -> None:
        quarantined, notices, enrolled_at = loaded
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

    def _progress(self, done: int, total: int, _text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

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

    def _show_notice(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and current.row() < len(self._notices):
            notice = self._notices[current.row()]
            self.notice_body.setPlainText(f"{notice.title}\n\n{notice.body}")
            if notice.read_at is None:
                self.ctx.run(state.mark_notices_read, self.ctx.store, on_done=lambda _r: None)
