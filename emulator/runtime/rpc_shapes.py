"""The message shapes ``azure-functions-runtime`` reads and builds, written for the emulator (not FunctionRpc's code).

The runtime (Python 3.13+) is handed its message classes by its caller (``request.properties["protos"]``): it
builds responses with keyword arguments and reads requests by attribute, ``WhichOneof`` for the one-of fields and
a few enum constants. No PyPI package ships the FunctionRpc definitions, and the project does not copy Microsoft's
``.proto``: these small classes provide exactly what the runtime touches, learnt from reading it.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, ClassVar


class Message:
    """A message: its fields are keyword arguments; ``WhichOneof`` names the one-of field that is set."""

    #: One-of groups: the group name and its member fields, in declaration order.
    ONEOFS: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: Optional fields that read as None when unset (as an unset protobuf field reads empty).
    OPTIONAL: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    def __getattr__(self, name: str) -> Any:
        # only declared fields: the runtime probes `message.TypedData` and expects AttributeError on a message
        if name in self.OPTIONAL or any(name in members for members in self.ONEOFS.values()):
            return None
        raise AttributeError(name)

    def WhichOneof(self, group: str) -> str | None:
        """The member of ``group`` that is set (not None), or None."""
        return next((f for f in self.ONEOFS.get(group, ()) if self.__dict__.get(f) is not None), None)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.__dict__.items())})"


class TypedData(Message):
    """One value crossing between host and worker."""

    ONEOFS: ClassVar[dict[str, tuple[str, ...]]] = {
        "data": (
            "string",
            "json",
            "bytes",
            "stream",
            "http",
            "int",
            "double",
            "collection_bytes",
            "collection_string",
            "collection_double",
            "collection_sint64",
            "model_binding_data",
        )
    }


class ParameterBinding(Message):
    """A named input or output value."""

    ONEOFS: ClassVar[dict[str, tuple[str, ...]]] = {"rpc_data": ("data", "rpc_shared_memory")}


class StatusResult(Message):
    """Success or failure, with the exception."""

    Failure = 0
    Success = 1
    Cancelled = 2


class BindingInfo(Message):
    """A binding in function metadata."""

    # FunctionRpc's enum values for direction and dataType
    in_ = 0
    out = 1
    inout = 2
    undefined = 0
    string = 1
    binary = 2
    stream = 3


class RpcHttpCookie(Message):
    """A Set-Cookie cookie of an HTTP response."""

    SameSite = SimpleNamespace(**{"None": 0, "Lax": 1, "Strict": 2, "ExplicitNone": 3})


_OPTIONAL = {
    "RpcHttp": ("status_code", "headers", "cookies", "body", "method", "url", "query", "params"),
    "InvocationResponse": ("return_value", "output_data", "exception"),
    "FunctionMetadataResponse": ("function_metadata_results",),
}


def _plain(name: str) -> type[Message]:
    namespace = {"__doc__": f"The runtime's {name} message.", "OPTIONAL": _OPTIONAL.get(name, ())}
    return type(name, (Message,), namespace)


#: The namespace handed to the runtime as ``protos``.
PROTOS = SimpleNamespace(
    TypedData=TypedData,
    ParameterBinding=ParameterBinding,
    StatusResult=StatusResult,
    BindingInfo=BindingInfo,
    RpcHttpCookie=RpcHttpCookie,
    **{
        name: _plain(name)
        for name in (
            "RpcHttp",
            "RpcException",
            "RpcFunctionMetadata",
            "RpcRetryOptions",
            "WorkerInitResponse",
            "WorkerMetadata",
            "FunctionMetadataResponse",
            "FunctionLoadResponse",
            "InvocationResponse",
            "FunctionEnvironmentReloadResponse",
            "NullableString",
            "NullableBool",
            "NullableDouble",
            "NullableTimestamp",
        )
    },
)
