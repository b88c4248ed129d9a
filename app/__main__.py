import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # the roster reader child (app/spreadsheet) is spawned
    from app.cli.main import main

    sys.exit(main())
