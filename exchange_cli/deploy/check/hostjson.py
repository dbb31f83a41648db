"""host.json as the Functions host reads it: version 2.0, an extension bundle that has the app's bindings."""

from __future__ import annotations

import json
import re
from typing import Any

from exchange_cli.deploy.check.subject import Subject
from exchange_cli.deploy.findings import Finding

CHECK = "host.json"
BUNDLE_ID = "Microsoft.Azure.Functions.ExtensionBundle"
#: What `func init` writes today; bundles before 4.x are out of support on runtime 4.
RECOMMENDED_RANGE = "[4.*, 5.0.0)"
#: Trigger and binding types built into the host: every other one comes from the extension bundle.
BUILT_IN = {"httpTrigger", "http", "timerTrigger"}


def findings(subject: Subject) -> list[Finding]:
    """Problems with the packaged host.json."""
    path = subject.folder / "host.json"
    name = subject.name_of(path)
    if not path.is_file():
        return [
            Finding(
                CHECK,
                "host-json-missing",
                "error",
                "There is no host.json: the host refuses to start.",
                'create host.json with {"version": "2.0", "extensionBundle": ...}',
                name,
            )
        ]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        line = getattr(error, "lineno", None)
        return [
            Finding(
                CHECK,
                "host-json-invalid",
                "error",
                f"host.json is not valid JSON: {error}",
                "fix the JSON (no comments, no trailing commas)",
                name,
                line,
            )
        ]
    if not isinstance(data, dict):
        return [
            Finding(
                CHECK,
                "host-json-invalid",
                "error",
                "host.json is not a JSON object.",
                'make it an object such as {"version": "2.0"}',
                name,
            )
        ]
    return _version(data, name) + _bundle(subject, data, name) + _queues(data, name)


def _version(data: dict[str, Any], name: str) -> list[Finding]:
    if data.get("version") == "2.0":
        return []
    return [
        Finding(
            CHECK,
            "host-json-version",
            "error",
            f'host.json "version" is {data.get("version")!r}; runtime 4 reads only "2.0".',
            'set "version": "2.0"',
            name,
        )
    ]


def _bundle(subject: Subject, data: dict[str, Any], name: str) -> list[Finding]:
    bundle = data.get("extensionBundle")
    needed = sorted({b.get("type", "") for f in subject.functions for b in f.bindings} - BUILT_IN)
    fix = f'"extensionBundle": {{"id": "{BUNDLE_ID}", "version": "{RECOMMENDED_RANGE}"}}'
    if not isinstance(bundle, dict):
        if not needed:
            return []
        return [
            Finding(
                CHECK,
                "bundle-missing",
                "error",
                f"host.json has no extensionBundle, so the host has no {', '.join(needed)} binding.",
                f"add {fix}",
                name,
            )
        ]
    if bundle.get("id") != BUNDLE_ID:
        return [
            Finding(
                CHECK,
                "bundle-id",
                "error",
                f"extensionBundle id is {bundle.get('id')!r}.",
                f'use "id": "{BUNDLE_ID}"',
                name,
            )
        ]
    major = re.match(r"^\s*\[\s*(\d+)", str(bundle.get("version", "")))
    if major is None:
        return [
            Finding(
                CHECK,
                "bundle-version",
                "error",
                f"extensionBundle version {bundle.get('version')!r} is not a version range.",
                f'use "version": "{RECOMMENDED_RANGE}"',
                name,
            )
        ]
    if int(major.group(1)) < 4:
        return [
            Finding(
                CHECK,
                "bundle-version",
                "warning",
                f"extensionBundle {bundle.get('version')} is older than 4.x, which is out of support.",
                f'use "version": "{RECOMMENDED_RANGE}"',
                name,
            )
        ]
    return []


def _queues(data: dict[str, Any], name: str) -> list[Finding]:
    queues = (data.get("extensions") or {}).get("queues") or {}
    problems = []
    batch = queues.get("batchSize", 16)
    if not isinstance(batch, int) or not 1 <= batch <= 32:
        problems.append(
            Finding(
                CHECK,
                "queues-batch-size",
                "error",
                f"extensions.queues.batchSize is {batch!r}; the host allows 1 to 32.",
                "set batchSize to at most 32",
                name,
            )
        )
    encoding = queues.get("messageEncoding", "base64")
    if encoding not in ("base64", "none"):
        problems.append(
            Finding(
                CHECK,
                "queues-encoding",
                "error",
                f'extensions.queues.messageEncoding is {encoding!r}; the host knows "base64" and "none".',
                'use "base64" (the default) or "none"',
                name,
            )
        )
    return problems
