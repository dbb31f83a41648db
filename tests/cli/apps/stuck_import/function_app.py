"""A deployment whose import never finishes: it writes its pid to importing.pid, then waits forever."""

import os
import threading
from pathlib import Path

Path("importing.pid").write_text(str(os.getpid()))  # the worker runs in the deployment folder
threading.Event().wait()
