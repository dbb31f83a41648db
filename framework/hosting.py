"""Where the code runs: on Azure Functions, or on a developer's machine (``exchange dev``, tests, scripts).

The platform sets ``WEBSITE_INSTANCE_ID`` on every App Service instance (dedicated, premium, Windows consumption:
the Functions host's ``IsAppServiceEnvironment``) and ``WEBSITE_SITE_NAME`` on every function app, Linux
consumption and Flex containers included. The host also treats ``CONTAINER_NAME`` as Linux consumption, but that
name is set by other container runtimes too (these build machines set it), so it is not taken as a sign of Azure
on its own; nor is ``FUNCTIONS_WORKER_RUNTIME``, which Core Tools and exchange set locally from local.settings.json.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

#: Environment variables only Azure's hosting sets (never Core Tools or exchange).
AZURE_MARKERS = ("WEBSITE_INSTANCE_ID", "WEBSITE_SITE_NAME")


def running_on_azure(environ: Mapping[str, str] | None = None) -> bool:
    """True inside an Azure Functions instance (``environ`` defaults to the process environment)."""
    env = os.environ if environ is None else environ
    return any(env.get(name) for name in AZURE_MARKERS)
