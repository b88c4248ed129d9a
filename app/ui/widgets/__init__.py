"""Widgets shared by several sections."""
