"""Entry point of the PyInstaller bundle (see build.spec)."""

import multiprocessing
import sys

from app.cli.main import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
