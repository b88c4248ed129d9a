"""``labor-station selftest``: the checks a support person runs on an installed station PC.

It creates a scratch encrypted store in a temporary folder (never touching the station's data),
checks the station's own store's schema version when a password is given, renders a sample
mediation agreement (invented parties) to PDF with the embedded CJK font and renders that PDF
offscreen with Qt. Each step yields ``(ok, message)``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

Line = tuple[bool, str]


def _check(label: str, fn) -> Line:
    try:
        detail = fn()
    except Exception as exc:  # the message is what the support person needs to see
        return False, f"{label}：{type(exc).__name__}: {exc}"
    return True, f"{label}" + (f"：{detail}" if detail else "")


def crypto_library() -> str:
    from app.store.crypto import self_check

    return f"X25519、AES-256-GCM 核对正确（{self_check()}）"


def scratch_store() -> str:
    from sqlalchemy import select

    from app.store.models import Enterprise
    from app.store.store import Store

    with tempfile.TemporaryDirectory(prefix="labor-selftest-") as tmp:
        data = Path(tmp)
        store, _ = Store.create(data, "GUDONG", "selftest", "自检", "Selftest-pass-1")
        with store.unit_of_work() as s:
            s.add(Enterprise(name="自检企业"))
        store.close()
        if Store.db_path_in(data).read_bytes()[:16] == b"SQLite format 3\x00":
            raise RuntimeError("数据文件未加密")
        with Store.open(data, "selftest", "Selftest-pass-1") as again, again.read() as s:
            names = [e.name for e in s.scalars(select(Enterprise))]
        if names != ["自检企业"]:
            raise RuntimeError("写入的数据读不回来")
    return "SQLCipher 加密存储读写正常"


def station_schema(data_dir: Path, username: str) -> str:
    from app.store import migrate
    from app.store.engine import make_engine
    from app.store.keyslots import KeySlotFile
    from app.store.store import Store

    head = migrate.head_revision()
    if not Store.exists(data_dir):
        return f"程序数据版本 {head}；{data_dir} 中尚无站点数据"
    password = os.environ.get("LABOR_STATION_PASSWORD")
    if not password:
        return f"程序数据版本 {head}；已找到站点数据（未提供密码，跳过数据版本核对）"
    keys = KeySlotFile.load(Store.keys_path_in(data_dir))
    key = keys.unlock_user(username, password)
    engine = make_engine(Store.db_path_in(data_dir), key)
    try:
        found = migrate.current_revision(engine)
    finally:
        engine.dispose()
    if found == head:
        return f"站点数据版本 {found}，与程序一致"
    if found not in migrate.known_revisions():
        raise RuntimeError(f"站点数据版本 {found} 比程序新，请升级程序")
    return f"站点数据版本 {found}，登录时将自动升级到 {head}（升级前自动备份）"


def folder_permissions(data_dir: Path) -> str:
    """Windows: the data folder's DACL is the private one (app/store/winacl.py)."""
    from app.store import winacl

    sddl = winacl.folder_sddl(data_dir)
    if not winacl.is_private(sddl, winacl.current_user_sid()):
        raise RuntimeError(f"数据文件夹对其他用户开放（{sddl}）")
    return "仅限当前用户、SYSTEM 和管理员"


def render_pdf() -> bytes:
    """A real 调解协议书 (invented parties) through the same code that prints the station's cases."""
    from app.documents.case_documents import render_agreement_content, sample_agreement_content

    return render_agreement_content(sample_agreement_content())


def pdf_has_embedded_font(pdf: bytes) -> str:
    if not pdf.startswith(b"%PDF"):
        raise RuntimeError("生成的文件不是PDF")
    if b"/FontFile2" not in pdf:
        raise RuntimeError("PDF中没有嵌入字体")
    return f"PDF {len(pdf) // 1024} KB，中文字体已嵌入"


def qt_render(pdf: bytes) -> str:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    buffer = QBuffer()
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    doc = QPdfDocument()
    doc.load(buffer)
    if doc.pageCount() < 1:
        raise RuntimeError(f"Qt 无法打开生成的PDF（{doc.error()}）")
    image = doc.render(0, QSize(595, 842))
    dark = sum(
        1
        for y in range(0, image.height(), 4)
        for x in range(0, image.width(), 4)
        if image.pixelColor(x, y).lightness() < 128
    )
    if dark < 50:
        raise RuntimeError("PDF页面渲染为空白")
    del app
    return f"Qt {QGuiApplication.platformName() or 'offscreen'} 渲染 {doc.pageCount()} 页正常"


def run_selftest(data_dir: Path, username: str = "admin") -> Iterator[Line]:
    from app import __version__
    from app.store import migrate

    yield True, f"程序版本 {__version__}，数据版本 {migrate.head_revision()}"
    yield _check("密钥算法", crypto_library)
    yield _check("加密存储", scratch_store)
    yield _check("站点数据", lambda: station_schema(Path(data_dir), username))
    if sys.platform == "win32" and Path(data_dir).is_dir():
        yield _check("数据文件夹权限", lambda: folder_permissions(Path(data_dir)))
    pdf: bytes = b""

    def make() -> str:
        nonlocal pdf
        pdf = render_pdf()
        return pdf_has_embedded_font(pdf)

    yield _check("名录读取", roster_reader)
    line = _check("生成文书", make)
    yield line
    if line[0]:
        yield _check("离屏渲染", lambda: qt_render(pdf))
    yield _check("界面", main_window_offscreen)


def roster_reader() -> str:
    """A roster read through the reader child (spawned: in the bundle, this program started
    again), then a 5 KB file whose one far cell makes the parser ask for 512 GB: only the child
    may die, with a Chinese message here."""
    import openpyxl

    from app.roster.errors import RosterFileError
    from app.roster.source import RosterSource

    with tempfile.TemporaryDirectory(prefix="labor-selftest-roster-") as tmp:
        path = Path(tmp) / "名录 自检.xlsx"
        wb = openpyxl.Workbook()
        wb.active.append(["统一社会信用代码", "企业名称", "联系电话"])
        wb.active.append(["91350102MA2Y000000", "自检企业", "13900000000"])
        wb.save(path)
        with RosterSource.open(path) as source:
            if source.header is None or source.header.rows != (1,):
                raise RuntimeError("名录表头识别错误")
            rows = source.preview_rows(5)
        if len(rows) != 1 or rows[0][1][1] != "自检企业":
            raise RuntimeError("名录数据读不回来")
        wb.active["XFD1048576"] = 1
        wb.save(path)
        _shrink_dimension(path)  # the file lies: it says A1:C2
        try:
            RosterSource.open(path).close()
        except RosterFileError as exc:
            if "XFD1048576" not in str(exc):
                raise RuntimeError(f"异常文件的提示不对：{exc}") from exc
        else:
            raise RuntimeError("异常文件没有被拒绝")
    return "读取进程正常，异常文件只结束了读取进程"


def _shrink_dimension(path: Path) -> None:
    import re
    import zipfile

    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:C2"', parts[sheet])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def main_window_offscreen() -> str:
    """Build the main window with every section (charts, PDF preview …) on a scratch store."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.store.store import Store
    from app.ui.application import setup_application
    from app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    setup_application(app)
    with tempfile.TemporaryDirectory(prefix="labor-selftest-ui-") as tmp:
        store, _ = Store.create(Path(tmp), "GUDONG", "selftest", "自检", "Selftest-pass-1")
        window = MainWindow(store)
        try:
            titles = []
            for spec in window.specs:
                window.show_section(spec.key)
                app.processEvents()
                titles.append(spec.title)
            if window.grab().isNull():
                raise RuntimeError("主窗口无法绘制")
        finally:
            window.sign_out()
            window.ctx.pool.waitForDone(10_000)
            app.processEvents()
    return "、".join(titles) + " 均可打开"
