"""The 同步 section and the background sync worker of the main window."""
