"""What a blob-triggered function receives: its trigger metadata and its trigger value, as the worker builds them.

The host sends the blob's content with trigger metadata ``BlobTrigger`` (``container/name``), ``Uri``,
``Properties`` and ``Metadata``; the worker's converters (in the invoker) turn them into what the function's
parameter asks for.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from azure.functions.meta import Datum

from emulator.app.functions import FunctionInfo
from emulator.conversion.host_values import TriggerInput, blob_datum


def metadata_of(container: str, props: Any, uri: str) -> dict[str, Any]:
    """The trigger metadata of a downloaded blob (its ``BlobProperties``), for the converter and expressions."""
    content = props.content_settings
    md5 = getattr(content, "content_md5", None)
    properties = {
        "BlobType": str(getattr(props.blob_type, "value", props.blob_type) or "BlockBlob"),
        "ContentLength": props.size,
        "ContentType": getattr(content, "content_type", None),
        "ContentEncoding": getattr(content, "content_encoding", None),
        "ContentMD5": base64.b64encode(bytes(md5)).decode() if md5 else None,
        "ETag": str(props.etag),
        "LastModified": _iso(props.last_modified),
        "CreatedOn": _iso(getattr(props, "creation_time", None)),
    }
    return {
        "BlobTrigger": f"{container}/{props.name}",
        "Uri": uri,
        "Properties": properties,
        "Metadata": dict(props.metadata or {}),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def trigger_value(fn: FunctionInfo, data: bytes, metadata: dict[str, Any]) -> TriggerInput:
    """The blob as the host hands it to the worker: its content and trigger metadata, each a Datum.

    The invoker decodes it with the worker's converter for the trigger parameter's annotation (the blob converter's
    ``InputStream``, or ``str``/``bytes``), as for every other trigger.
    """
    datums = {
        "BlobTrigger": Datum(metadata["BlobTrigger"], "string"),
        "Uri": Datum(metadata["Uri"], "string"),
        "Properties": Datum(json.dumps(metadata["Properties"]), "json"),
        "Metadata": Datum(json.dumps(metadata["Metadata"]), "json"),
    }
    return TriggerInput(blob_datum(data, data_type=fn.trigger.settings.get("dataType")), datums)
