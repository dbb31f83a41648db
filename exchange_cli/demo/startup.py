"""What ``exchange demo`` starts early so that the slow parts of a start overlap instead of adding up.

Measured on a loaded 2-core machine, one after the other: Azurite's Node.js boot 2-6 s, the fork server's
imports 2-4 s, finishing a copied workspace (template repositories, ``git init``) up to 0.6 s, the first schema
migration ~0.3 s inside the first order's invocation. Azurite is launched first, the rest runs while it boots.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from exchange_cli.demo.workspace import DemoWorkspace, finish

if TYPE_CHECKING:
    from emulator.azurite import AzuriteProcess


def install_azurite(say: Callable[[str], None]) -> None:
    """Install Azurite before the host starts, saying why the first run takes a while."""
    from emulator import azurite

    if azurite.answers(azurite.AzuriteEndpoints()):  # one is running already: run_dev uses it
        return
    azurite.install(say=say)  # says what npm does, or that another exchange is installing it


def launch_azurite(deployment: Path, say: Callable[[str], None]) -> AzuriteProcess | None:
    """Azurite for the demo, launched now (not waited for) where ``exchange dev`` would start it, when it would
    start one: no ``AzureWebJobsStorage`` in the environment and nothing on Azurite's ports. None otherwise:
    ``run_dev`` then finds what runs there, or says what is wrong, as always."""
    from emulator import azurite
    from emulator.dev import state as devstate

    endpoints = azurite.AzuriteEndpoints()
    if os.environ.get("AzureWebJobsStorage", "").strip():
        return None
    if any(azurite.is_listening(endpoints.host, port) for port in endpoints.ports.values()):
        return None
    azurite.install(say=say)  # says what npm does, or that another exchange is installing it
    location = devstate.private_dir(deployment / ".exchange") / "azurite"
    return azurite.launch(location, endpoints)


def stop_unless_stopped(proc: AzuriteProcess) -> None:
    """Stop the launched Azurite if it still runs (``run_dev`` stops it itself once it took it over)."""
    if proc.launched is not None and proc.launched.poll() is None:
        proc.stop()


def finish_and_migrate(demo: DemoWorkspace, say: Callable[[str], None]) -> None:
    """Finish a copied workspace, then migrate its database, while the host starts."""
    from exchange_cli.scaffold import ScaffoldError

    try:
        finish(demo)
    except ScaffoldError as error:  # git failed: the demo runs, `exchange update` may not
        say(f"warning: {error.message}")
    migrate(demo.deployment)


def migrate(deployment: Path) -> None:
    """Bring the demo's SQLite database to the newest schema before the first order needs it (the framework
    migrates on first use, inside the first invocation). Best effort: when this fails the host migrates, or says
    why it cannot, as it always does."""
    from emulator.client.inspect import database_url_of, sqlite_file
    from framework.migrate import describe_upgrade

    url = database_url_of(deployment)
    if sqlite_file(url) is None:  # only the demo's own file: a server database is the user's to migrate
        return
    with contextlib.suppress(Exception):  # any failure shows up where the user looks: in the host's output
        describe_upgrade(url)
