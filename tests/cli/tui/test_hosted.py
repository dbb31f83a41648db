"""`exchange dev` with the TUI in front: a real supervisor and worker behind a real app (Pilot)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_traffic import wait_for

from emulator.client.queues import send
from emulator.dev import state as devstate
from emulator.dev.run import run_dev
from emulator.dev.supervisor import DevOptions
from exchange_cli.tui import make_app
from exchange_cli.tui.hosted import HostedRun
from exchange_cli.tui.target import for_host
from tests.cli.dev_support import make_deployment

pytestmark = [pytest.mark.asyncio, pytest.mark.azurite]


async def test_the_tui_shows_the_hosted_run_and_quitting_stops_the_host(
    tmp_path: Path, storage_connection_string: str, queue_name: str
) -> None:
    from emulator.azurite import free_port

    values = {"IN_QUEUE": queue_name, "OUT_QUEUE": f"{queue_name}-out"}
    deployment = make_deployment(tmp_path / "app", values=values)
    options = DevOptions(deployment_dir=deployment, port=free_port(), storage=storage_connection_string)
    run = HostedRun(options, run_dev)
    run.start()
    try:
        state = devstate.read(deployment)
        assert state is not None
        run.app = make_app(for_host(state))
        async with run.app.run_test(size=(120, 40)) as pilot:
            send(storage_connection_string, queue_name, ['{"n": 1}'])
            model = run.app.model
            await wait_for(pilot, lambda: "relay" in model.functions and model.functions["relay"].invocations > 0, 30)
    finally:
        run.stop()

    assert devstate.read(deployment) is None  # the host stopped with the TUI
    log = (deployment / ".exchange" / "dev.log").read_text()
    assert "generation 1" in log and "Executed 'Functions.relay' (Succeeded" in log  # not on the TUI's screen
