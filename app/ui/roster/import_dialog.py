"""导入企业名录: pick a file and sheet, check the column mapping, preview, import.

Every step that reads the file or the store runs in the background with a progress bar; the
import itself can be cancelled (its transaction is rolled back: nothing is written).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.roster.export import export_errors
from app.roster.fields import FIELDS
from app.roster.importer import (
    ConflictItem,
    ImportOptions,
    ImportPlan,
    ImportResult,
    analyse,
    apply,
    describe_value,
)
from app.roster.mapping import load_remembered
from app.roster.normalize import display
from app.roster.reading import describe
from app.roster.source import RosterSource
from app.spreadsheet import client as reader_client
from app.ui.context import AppContext, user_message
from app.ui.widgets.fit import fit_window

FILE_FILTER = "表格文件 (*.xlsx *.xlsm *.xls *.ods);;所有文件 (*)"
NOT_IMPORTED = "（不导入）"
ALL_SHEETS = "__all__"


def _open_source(path: str, sheet: str | None, store, cancel=None):
    source = RosterSource.open(path, sheet, cancel=cancel)
    try:
        load_remembered(store, source.header)
        samples = source.preview_rows(5)
    except BaseException:
        source.close()
        raise
    return source, samples


def _rechoose_header(source: RosterSource, rows: tuple[int, ...], store):
    """The user's header rows (no file access: the first rows are already read)."""
    source.choose_header(rows)
    load_remembered(store, source.header)
    return source, source.preview_rows(5)


class RowsModel(QAbstractTableModel):
    def __init__(self, headers: list[str], parent=None):
        super().__init__(parent)
        self.headers = headers
        self.rows: list[tuple] = []

    def set_rows(self, rows: list[tuple]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if index.isValid() and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return str(self.rows[index.row()][index.column()])
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None


class ConflictsModel(QAbstractTableModel):
    """Conflicts with a check box each: checked = take the imported value."""

    HEADERS = ("采用导入值", "行号", "企业", "字段", "本地值（导入后修改过）", "导入值")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.items: list[ConflictItem] = []
        self.accepted: set[tuple[str, str]] = set()

    def set_items(self, items: list[ConflictItem]) -> None:
        self.beginResetModel()
        self.items = items
        self.accepted = set()
        self.endResetModel()

    def set_all(self, accepted: bool) -> None:
        self.accepted = {c.key for c in self.items} if accepted else set()
        if self.items:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.items) - 1, 0))

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def flags(self, index):
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsUserCheckable if index.column() == 0 else base

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        c = self.items[index.row()]
        if index.column() == 0 and role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if c.key in self.accepted else Qt.CheckState.Unchecked
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return ["", c.row, c.name, c.label, describe_value(c.field, c.local_value),
                describe_value(c.field, c.import_value)][index.column()]  # fmt: skip

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if index.column() != 0 or role != Qt.ItemDataRole.CheckStateRole:
            return False
        key = self.items[index.row()].key
        if Qt.CheckState(value) == Qt.CheckState.Checked:
            self.accepted.add(key)
        else:
            self.accepted.discard(key)
        self.dataChanged.emit(index, index)
        return True

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None


class ImportDialog(QDialog):
    #: the import wrote to the store
    imported = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.source: RosterSource | None = None
        self.samples: list[tuple[int, list]] = []
        self.plan: ImportPlan | None = None
        self.result: ImportResult | None = None
        self.task = None
        self.error: str | None = None
        self.setWindowTitle("导入企业名录")
        # the reader child starts while the user picks the file
        reader_client.prestart()
        fit_window(self, 1000, 720)
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        self.file_label = QLabel("请选择名录文件（.xlsx、.xls、.ods）")
        self.file_label.setWordWrap(True)
        self.choose = QPushButton("选择文件…")
        self.choose.clicked.connect(self._choose_file)
        self.sheet = QComboBox()
        self.sheet.setEnabled(False)
        self.sheet.setMinimumWidth(160)
        self.sheet.activated.connect(self._sheet_chosen)
        top.addWidget(self.file_label, 1)
        top.addWidget(QLabel("工作表："))
        top.addWidget(self.sheet)
        top.addWidget(self.choose)
        layout.addLayout(top)

        #: how the file was read, in one sentence (the core's reading; see app.roster.reading)
        self.reading_label = QLabel()
        self.reading_label.setWordWrap(True)
        self.reading_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reading_label.setProperty("role", "reading")
        layout.addWidget(self.reading_label)
        self.header_label = QLabel()
        self.header_label.setWordWrap(True)
        layout.addWidget(self.header_label)
        choose = QHBoxLayout()
        choose.addWidget(QLabel("表头行："))
        self.header_row = QComboBox()
        self.header_row.setMinimumWidth(360)
        self.header_row.setToolTip("识别得不对时，请选择写有列名的那一行")
        self.header_row.activated.connect(self._header_row_chosen)
        self.two_rows = QCheckBox("两行表头（连同上一行）")
        self.two_rows.toggled.connect(lambda _on: self._header_row_chosen())
        choose.addWidget(self.header_row, 1)
        choose.addWidget(self.two_rows)
        layout.addLayout(choose)
        self.mapping = QTableWidget(0, 3)
        self.mapping.setHorizontalHeaderLabels(["文件中的列", "前几行的内容", "导入为"])
        self.mapping.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.mapping.verticalHeader().setVisible(False)
        self.mapping.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        layout.addWidget(self.mapping, 2)
        self.combos: dict[int, QComboBox] = {}

        options = QHBoxLayout()
        self.accept_codes = QCheckBox("接受仅校验位不符的统一社会信用代码（站点管理员确认）")
        self.accept_codes.setVisible(ctx.user.is_admin)
        self.check_button = QPushButton("检查")
        self.check_button.setEnabled(False)
        self.check_button.clicked.connect(self.check)
        options.addWidget(self.accept_codes)
        options.addStretch(1)
        options.addWidget(self.check_button)
        layout.addLayout(options)

        self.counts = QLabel()
        self.counts.setWordWrap(True)
        layout.addWidget(self.counts)
        self.tabs = QTabWidget()
        self.invalid_model = RowsModel(["位置", "原因"], self)
        self.invalid_view = QTableView()
        self.invalid_view.setModel(self.invalid_model)
        self.invalid_view.horizontalHeader().setStretchLastSection(True)
        self.invalid_view.verticalHeader().setVisible(False)
        self.tabs.addTab(self.invalid_view, "无效行")
        conflicts = QWidget()
        col = QVBoxLayout(conflicts)
        col.setContentsMargins(0, 0, 0, 0)
        self.conflicts_model = ConflictsModel(self)
        self.conflicts_view = QTableView()
        self.conflicts_view.setModel(self.conflicts_model)
        self.conflicts_view.horizontalHeader().setStretchLastSection(True)
        self.conflicts_view.verticalHeader().setVisible(False)
        col.addWidget(
            styled_hint("这些字段在上次导入后由本站修改过。勾选的采用导入值，未勾选的保留本地值。")
        )
        col.addWidget(self.conflicts_view)
        row = QHBoxLayout()
        take_all = QPushButton("全部采用导入值")
        take_all.clicked.connect(lambda: self.conflicts_model.set_all(True))
        keep_all = QPushButton("全部保留本地值")
        keep_all.clicked.connect(lambda: self.conflicts_model.set_all(False))
        row.addWidget(take_all)
        row.addWidget(keep_all)
        row.addStretch(1)
        col.addLayout(row)
        self.tabs.addTab(conflicts, "冲突")
        layout.addWidget(self.tabs, 3)

        progress_row = QHBoxLayout()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("取消")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel)
        progress_row.addWidget(self.status, 1)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        layout.addLayout(progress_row)

        buttons = QHBoxLayout()
        self.save_invalid = QPushButton("另存无效行…")
        self.save_invalid.setEnabled(False)
        self.save_invalid.clicked.connect(self._choose_errors_file)
        self.import_button = QPushButton("导入")
        self.import_button.setEnabled(False)
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start_import)
        self.close_button = QPushButton("关闭")
        self.close_button.clicked.connect(self.reject)
        buttons.addWidget(self.save_invalid)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

    # ------------------------------------------------------------ busy state

    @property
    def busy(self) -> bool:
        return self.task is not None

    def _start(self, text: str, fn, *args, on_done, cancellable: bool = False, **kwargs) -> None:
        self.error = None
        self.status.setText(text)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(cancellable)
        self.cancel_button.setEnabled(True)
        for w in (self.choose, self.sheet, self.check_button, self.import_button, self.save_invalid,
                  self.mapping, self.close_button, self.header_row, self.two_rows):  # fmt: skip
            w.setEnabled(False)
        task = self.ctx.run(fn, *args, on_done=lambda r: self._finished(on_done, r),
                            on_failed=self._failed, on_progress=self._progress, **kwargs)  # fmt: skip
        task.signals.cancelled.connect(self._cancelled)
        self.task = task

    def _progress(self, done: int, total: int, text: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
        else:
            self.progress.setRange(0, 0)
        if text:
            self.status.setText(text)

    def _idle(self) -> None:
        self.task = None
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.choose.setEnabled(True)
        self.close_button.setEnabled(True)
        self.sheet.setEnabled(self.source is not None and self.sheet.count() > 1)
        self.mapping.setEnabled(self.source is not None)
        self.header_row.setEnabled(self.source is not None and self.result is None)
        self.two_rows.setEnabled(self.source is not None and self.result is None)
        self.check_button.setEnabled(self.source is not None and self.result is None)
        self.save_invalid.setEnabled(self.plan is not None and bool(self.plan.all_invalid))
        counts = self.plan.counts() if self.plan else {}
        has_work = counts.get("new", 0) + counts.get("updated", 0) + counts.get("conflicts", 0)
        self.import_button.setEnabled(
            self.plan is not None and self.result is None and has_work > 0
        )

    def _finished(self, handler, result) -> None:
        self.task = None
        handler(result)
        if self.task is None:  # the handler may go straight on to the next step
            self._idle()

    def _failed(self, exc: BaseException) -> None:
        self.error = user_message(exc)
        self.status.setText("")
        self._idle()
        self.header_label.setText(f"<span style='color:#b00020'>{self.error}</span>")
        self.header_label.setProperty("role", "error")

    def _cancelled(self) -> None:
        self.status.setText("已取消，未写入任何数据。")
        self._idle()

    def cancel(self) -> None:
        if self.task is not None:
            self.cancel_button.setEnabled(False)
            self.status.setText("正在取消…")
            self.task.cancel()

    # ------------------------------------------------------------ step 1: the file and sheet

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择企业名录文件", "", FILE_FILTER)
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path, sheet: str | None = None) -> None:
        self._drop_source()
        self.file_label.setText(str(path))
        self._start("正在读取文件…", _open_source, str(path), sheet, self.ctx.store,
                    on_done=self._opened, cancellable=True)  # fmt: skip

    def _sheet_chosen(self, index: int) -> None:
        name = self.sheet.itemData(index)
        if self.source is None:
            return
        if name == ALL_SHEETS:
            if not self.source.multi:
                self.open_file(self.source.path)
            return
        if self.source.multi or name != self.source.sheet_name:
            self.open_file(self.source.path, name)

    def choose_header_row(self, row: int, two_rows: bool = False) -> None:
        """Make sheet row ``row`` (with the row above it: ``two_rows``) the header."""
        self.two_rows.blockSignals(True)
        self.two_rows.setChecked(two_rows)
        self.two_rows.blockSignals(False)
        index = self.header_row.findData(row)
        if index >= 0:
            self.header_row.setCurrentIndex(index)
        self._header_row_chosen()

    def _header_row_chosen(self, _index: int | None = None) -> None:
        if self.source is None or self.busy:
            return
        row = self.header_row.currentData()
        if row is None:
            return
        rows = (row - 1, row) if self.two_rows.isChecked() and row > 1 else (row,)
        if rows == self.source.header.rows:
            return
        self.plan = None
        self._start("正在按所选表头重新识别…", _rechoose_header, self.source, rows,
                    self.ctx.store, on_done=self._opened)  # fmt: skip

    def _drop_source(self) -> None:
        if self.source is not None:
            self.source.close()
        self.source = None
        self.plan = None
        self.result = None
        self.mapping.setRowCount(0)
        self.combos = {}
        self.counts.clear()
        self.header_label.clear()
        self.reading_label.clear()
        self.header_row.clear()
        self.invalid_model.set_rows([])
        self.conflicts_model.set_items([])

    def _opened(self, loaded) -> None:
        self.source, self.samples = loaded
        self.plan = None
        source = self.source
        self.sheet.blockSignals(True)
        self.sheet.clear()
        if source.multi:
            self.sheet.addItem(f"全部格式相同的工作表（{len(source.parts)}个）", ALL_SHEETS)
        for info in source.sheets:
            self.sheet.addItem(info.name + ("" if info.visible else "（隐藏）"), info.name)
        self.sheet.setCurrentIndex(0 if source.multi else self.sheet.findData(source.sheet_name))
        self.sheet.blockSignals(False)
        header = source.header
        self.header_row.blockSignals(True)
        self.header_row.clear()
        for number, text in source.candidate_header_rows():
            self.header_row.addItem(f"第{number}行：{display(text, 40)}", number)
        self.header_row.setCurrentIndex(max(0, self.header_row.findData(header.rows[-1])))
        self.header_row.blockSignals(False)
        self.two_rows.blockSignals(True)
        self.two_rows.setChecked(len(header.rows) == 2)
        self.two_rows.blockSignals(False)
        self.show_reading(describe(source).sentence)
        note = "（已套用上次对此表头的列对应）" if header.remembered else ""
        self.header_label.setText(f"数据从第{source.data_start}行开始。{note}请核对每一列导入为哪一项，"
                                  "必要时修改；表头不对时请在下面选择表头行。")  # fmt: skip
        self.header_label.setProperty("role", "")
        self.counts.clear()
        self.invalid_model.set_rows([])
        self.conflicts_model.set_items([])
        self._fill_mapping()
        missing = [
            f.label for f in FIELDS if f.required and f.key not in self.current_mapping().values()
        ]
        if missing:
            self.status.setText(f"共{self.source.sheet.height:,}行（含表头）。请在“导入为”中指定"
                                f"{'、'.join(missing)}所在的列，再点“检查”。")  # fmt: skip
        else:  # every required column recognised: go straight on to the preview
            self.check()

    def _fill_mapping(self) -> None:
        header = self.source.header
        columns = sorted(header.texts)
        self.combos = {}
        self.mapping.setRowCount(0)
        self.mapping.setRowCount(len(columns))
        start_col = self.source.sheet.start_col
        for r, col in enumerate(columns):
            self.mapping.setItem(r, 0, QTableWidgetItem(header.texts[col]))
            sample = "；".join(
                display(cells[col - start_col], 30)
                for _n, cells in self.samples
                if 0 <= col - start_col < len(cells) and cells[col - start_col] not in ("", None)
            )
            self.mapping.setItem(r, 1, QTableWidgetItem(sample))
            combo = QComboBox()
            combo.addItem(NOT_IMPORTED, None)
            for f in FIELDS:
                combo.addItem(f.label + ("（必需）" if f.required else ""), f.key)
            combo.setCurrentIndex(max(0, combo.findData(header.mapping.get(col))))
            combo.currentIndexChanged.connect(lambda _i, c=col: self._mapping_changed(c))
            self.mapping.setCellWidget(r, 2, combo)
            self.combos[col] = combo
        self.mapping.resizeColumnToContents(0)
        self.mapping.setColumnWidth(2, 220)

    def _mapping_changed(self, col: int) -> None:
        key = self.combos[col].currentData()
        if key is not None:  # each field comes from one column
            for other, combo in self.combos.items():
                if other != col and combo.currentData() == key:
                    combo.blockSignals(True)
                    combo.setCurrentIndex(0)
                    combo.blockSignals(False)
        self.plan = None
        self.counts.setText("列对应已修改，请重新“检查”。")
        self._idle()

    def current_mapping(self) -> dict[int, str]:
        return {col: combo.currentData() for col, combo in self.combos.items()
                if combo.currentData() is not None}  # fmt: skip

    def set_mapping(self, col: int, key: str | None) -> None:
        combo = self.combos[col]
        combo.setCurrentIndex(max(0, combo.findData(key)))

    def show_reading(self, sentence: str) -> None:
        self.reading_label.setText(f"读取方式：{sentence}")

    # ------------------------------------------------------------ step 2: check

    def check(self) -> None:
        if self.source is None:
            return
        options = ImportOptions(accept_check_digit=self.accept_codes.isChecked())
        self._start("正在检查…", analyse, self.ctx.store, self.source, self.current_mapping(),
                    options, on_done=self._checked, cancellable=True)  # fmt: skip

    def _checked(self, plan: ImportPlan) -> None:
        self.plan = plan
        c = plan.counts()
        text = (f"新增 {c['new']:,}　更新 {c['updated']:,}　未变 {c['unchanged']:,}　"
                f"无效 {c['invalid']:,}　冲突 {c['conflicts']:,}")  # fmt: skip
        if c["duplicates"]:
            text += f"　文件内完全重复 {c['duplicates']:,}（将跳过）"
        if plan.skipped:
            text += f"　空行/合计行 {plan.skipped:,}（已忽略）"
        self.counts.setText(text)
        if plan.reading is not None:
            self.show_reading(plan.reading.sentence)
        self.invalid_model.set_rows([(r.where, r.reason) for r in plan.all_invalid])
        self.conflicts_model.set_items(plan.preview.conflicts if plan.preview else [])
        self.tabs.setTabText(0, f"无效行（{c['invalid']:,}）")
        self.tabs.setTabText(1, f"冲突（{c['conflicts']:,}）")
        if c["conflicts"] and not c["invalid"]:
            self.tabs.setCurrentIndex(1)
        self.status.setText("检查完成。无效行不会导入，可另存后修改再导入。")

    # ------------------------------------------------------------ step 3: import

    def start_import(self) -> None:
        if self.plan is None:
            return
        accept = set(self.conflicts_model.accepted)
        self._start("正在导入…", apply, self.ctx.store, self.plan, accept=accept,
                    on_done=self._imported, cancellable=True)  # fmt: skip

    def _imported(self, result: ImportResult) -> None:
        self.result = result
        self.status.setText("导入完成：" + result.summary())
        self.imported.emit(result)

    # ------------------------------------------------------------ invalid rows

    def _choose_errors_file(self) -> None:
        default = str(
            Path(self.source.path).with_name(Path(self.source.path).stem + "-无效行.xlsx")
        )
        path, _ = QFileDialog.getSaveFileName(self, "另存无效行", default, "Excel 工作簿 (*.xlsx)")
        if path:
            self.save_invalid_rows(path)

    def save_invalid_rows(self, path: str | Path) -> None:
        self._start("正在保存无效行…", export_errors, self.plan, self.source, str(path),
                    on_done=lambda p: self.status.setText(f"无效行已保存：{p}"))  # fmt: skip

    # ------------------------------------------------------------ closing

    def done(self, code: int) -> None:
        if self.task is not None:
            self.cancel()
            return  # closes after the task stops; the user presses 关闭 again
        self._drop_source()
        super().done(code)


def styled_hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setProperty("role", "hint")
    return label
