"""``exchange demo``: the coffee-shop pipeline, generated and run on the local host with sample orders.

:mod:`~exchange_cli.demo.workspace` generates it (with the scaffolding library), :mod:`~exchange_cli.demo.cache`
keeps the render for the next demo, :mod:`~exchange_cli.demo.traffic` sends sample orders,
:mod:`~exchange_cli.demo.startup` starts the slow parts early so they overlap, :mod:`~exchange_cli.demo.run` runs it
all and reports through a view, :mod:`~exchange_cli.demo.console` is the plain-text view.
"""

from __future__ import annotations

from exchange_cli.demo.run import DemoOptions, DemoView, run_demo
from exchange_cli.demo.workspace import DemoWorkspace, is_demo, prepare

__all__ = ["DemoOptions", "DemoView", "DemoWorkspace", "is_demo", "prepare", "run_demo"]
