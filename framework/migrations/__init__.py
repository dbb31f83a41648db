"""The framework's Alembic migrations (``versions/``), run by :mod:`framework.schema`.

Each migration is frozen: it spells out the tables as they were at its revision instead of importing
:mod:`framework.models`, so later model changes never rewrite history. A model change ships with a new migration
(``alembic revision --autogenerate`` against a database at head, then reviewed) and a new :data:`HEAD`.
"""

from __future__ import annotations

from pathlib import Path

#: The folder alembic reads (env.py, script.py.mako, versions/).
SCRIPT_LOCATION = Path(__file__).resolve().parent
#: The newest revision. A database already there needs no alembic at all on first use (one query); a test keeps
#: this equal to the scripts' head.
HEAD = "0001"
#: The revision that reproduces the schema ``create_all`` made before migrations existed.
BASELINE = "0001"
