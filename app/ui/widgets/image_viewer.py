"""A photo or scanned page shown straight from the store's bytes (never a temporary file)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.ui.widgets.fit import fit_window


class ImageViewer(QDialog):
    def __init__(self, title: str, content: bytes, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        fit_window(self, 900, 1000)
        pixmap = QPixmap()
        pixmap.loadFromData(content)
        label = QLabel()
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if pixmap.isNull():
            label.setText("无法显示该图片（文件格式不受支持）")
        elif pixmap.height() > pixmap.width():  # a scanned page: its width, scrolled down
            label.setPixmap(pixmap.scaledToWidth(860, Qt.TransformationMode.SmoothTransformation))
        else:  # a photo: whole in the window
            label.setPixmap(
                pixmap.scaled(
                    860,
                    620,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        area = QScrollArea()
        area.setWidget(label)
        area.setWidgetResizable(True)
        QVBoxLayout(self).addWidget(area)
