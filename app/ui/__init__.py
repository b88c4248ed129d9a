"""The Qt GUI: the only package that imports Qt. Widgets present and collect; the core decides."""
