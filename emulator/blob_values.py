"""What a blob-triggered function receives: its trigger metadata and its trigger value, as the worker builds them.

The host sends the blob's content with trigger metadata ``BlobTrigger`` (``container/name``), ``Uri``,
``Properties`` and ``Metadata``; the worker hands the function the ``azure.functions`` blob converter's
``InputStream`` made from them, or the content as ``str``/``bytes`` when the parameter (or ``dataType``) says so.
"""

from __future__ import annotations

import base64
import functools
import json
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any

import azure.functions as func
from azure.functions.meta import Datum, get_binding_registry

from emulator.functions import FunctionInfo


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


def trigger_value(fn: FunctionInfo, data: bytes, metadata: dict[str, Any]) -> Any:
    """``str`` or ``bytes`` when the trigger parameter (or ``dataType``) asks for it, else the converter's stream."""
    annotation = _hints(fn.callable).get(fn.trigger.name)
    data_type = str(fn.trigger.settings.get("dataType", "")).lower()
    if annotation is str or (annotation is None and data_type == "string"):
        return data.decode("utf-8")
    if annotation is bytes or (annotation is None and data_type == "binary"):
        return data
    converter = get_binding_registry().get("blobTrigger")
    datums = {
        "BlobTrigger": Datum(metadata["BlobTrigger"], "string"),
        "Uri": Datum(metadata["Uri"], "string"),
        "Properties": Datum(json.dumps(metadata["Properties"]), "json"),
        "Metadata": Datum(json.dumps(metadata["Metadata"]), "json"),
    }
    stream: func.InputStream = converter.decode(Datum(data, "bytes"), trigger_metadata=datums)
    return stream


@functools.cache
def _hints(callable_: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(callable_)
    except Exception:  # unresolvable string annotations: fall back to dataType, as the worker does
        return {}
