"""The capture app (Textual). Start it with `make_app(db_path)` from fieldkit.tui.app."""

import os

# Textual draws at most MAX_FPS frames a second, and a frame asked for soon after another
# waits one to two frame times (up to 33 ms at its default 60). An answer is drawn in two
# frames (the status line saying it is saved, then the rest: fieldkit.tui.screens.form),
# so the second would often wait that long. Read once, when Textual is first imported; a
# value of the user's own is kept.
os.environ.setdefault("TEXTUAL_FPS", "240")
