"""Entry point of the PyInstaller bundle (see build.spec).

``freeze_support()`` comes first: a roster file is read in a child process started with the
``spawn`` method (app/spreadsheet), which in the bundle is this same executable started again
with multiprocessing's arguments; it must run the child's code and nothing else.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from app.cli.main import main

    sys.exit(main())
