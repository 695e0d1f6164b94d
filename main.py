"""Neighbourhood Desk (邻里中心前台): `python main.py --help`."""
import gc
import sys

# No cycle collection while the program's modules load (tens of thousands of objects, none of them
# garbage: about 30 ms of start-up). The window then collects on its own schedule (views/gui.py);
# a command turns automatic collection back on (app/cli.py).
gc.disable()

from app.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
