"""The ``exchange`` command line and terminal UI.

``__version__`` is the one place the version is written (pyproject reads it through hatch), so ``exchange
--version`` does not pay for ``importlib.metadata`` (~67 ms) at start-up.
"""

__version__ = "0.1.0"
