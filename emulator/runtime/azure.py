"""``azure-functions-runtime`` (the engine Azure's Python 3.13+ worker loads) run in-process by the emulator.

The runtime is not a server: it exposes coroutines (``worker_init_request``, ``functions_metadata_request``,
``invocation_request``) taking request messages and the message classes to answer with
(:mod:`emulator.runtime.rpc_shapes`). :class:`AzureRuntime` indexes a deployment folder through it and invokes
functions with ``Datum`` inputs, giving back the ``Datum`` outputs it produced, so the emulator's host side
(:mod:`emulator.conversion.host_values`) does the rest. The runtime keeps its registry in module globals: one app per
process, as in a real worker.
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal

from azure.functions.meta import Datum

from emulator.app.functions import BindingInfo, FunctionInfo
from emulator.runtime.rpc_shapes import PROTOS, ParameterBinding, StatusResult, TypedData
from framework.errors import ExchangeError

#: What runs the functions: ``emulator`` (its own worker path, every Python) or ``azure`` (the real runtime, 3.13+).
RuntimeName = Literal["emulator", "azure"]


def default_runtime() -> RuntimeName:
    """``azure`` where azure-functions-runtime can run (it passes the parity suite there), else ``emulator``."""
    try:
        check_available()
    except RuntimeUnavailableError:
        return "emulator"
    return "azure"


#: The version range the emulator's message shapes were written against (its API is internal).
PIN = "azure-functions-runtime>=1.3,<1.4"


class RuntimeUnavailableError(ExchangeError):
    """``--runtime azure`` was asked for where azure-functions-runtime cannot run."""


class WorkerError(Exception):
    """An invocation the runtime failed: its exception text, ``"<Type>: <message>"`` (the type is the user's)."""


class RuntimeLoadError(ExchangeError):
    """The runtime refused to index the app (its own error text, e.g. a FunctionLoadError)."""


def check_available() -> None:
    """Raise :class:`RuntimeUnavailableError` unless Python is 3.13+ with azure-functions-runtime installed."""
    if sys.version_info < (3, 13):
        raise RuntimeUnavailableError(
            f"--runtime azure needs Python 3.13 or later (this is {sys.version_info.major}.{sys.version_info.minor}).",
            hint="use --runtime emulator here, or run exchange from a Python 3.13 virtualenv",
        )
    if importlib.util.find_spec("azure_functions_runtime") is None:
        raise RuntimeUnavailableError(
            "--runtime azure needs the azure-functions-runtime package.", hint=f"pip install '{PIN}'"
        )


@dataclass
class RuntimeOutcome:
    """What one invocation through the runtime produced."""

    ok: bool
    #: The runtime's exception text, ``"<Type>: <message>"``, on failure.
    error: str | None = None
    #: Output parameter name → its value.
    outputs: dict[str, Datum] = field(default_factory=dict)
    #: The ``$return`` value (None when the function has no return binding).
    returned: Datum | None = None

    def encoded(self, fn: FunctionInfo) -> list[tuple[BindingInfo, Any, Datum]]:
        """The outputs as the host receives them, in binding order; a failure is raised as :class:`WorkerError`."""
        if not self.ok:
            raise WorkerError(self.error or "the function failed")
        found = []
        for binding in fn.outputs():
            datum = self.returned if binding.name == "$return" else self.outputs.get(binding.name)
            if datum is not None:
                found.append((binding, None, datum))
        return found

    @property
    def error_type(self) -> str | None:
        """The exception class name of a failure."""
        return None if self.error is None else self.error.split(":", 1)[0]


class AzureRuntime:
    """The runtime indexing one deployment folder and running its functions."""

    def __init__(self, folder: Path) -> None:
        check_available()
        from azure_functions_runtime import handle_event, invocation_id_cv

        self.folder = folder
        self._events: Any = handle_event
        self._invocation_id: ContextVar[str | None] = invocation_id_cv
        self.function_ids: dict[str, str] = {}

    async def start(self) -> list[str]:
        """Index the app (import function_app.py); the function names, or :class:`RuntimeLoadError`."""
        if str(self.folder) not in sys.path:
            sys.path.insert(0, str(self.folder))
        sys.modules.pop("function_app", None)  # the runtime imports it by name: never another app's module
        init = SimpleNamespace(capabilities={}, function_app_directory=str(self.folder))
        response = await self._events.worker_init_request(_request(worker_init_request=init))
        if response.result.status != StatusResult.Success:
            raise RuntimeLoadError(f"{self.folder / 'function_app.py'}: {response.result.exception.message}")
        metadata = await self._events.functions_metadata_request(_request())
        self.function_ids = {m.name: m.function_id for m in metadata.function_metadata_results or []}
        return list(self.function_ids)

    async def invoke(
        self, name: str, inputs: dict[str, Datum], metadata: dict[str, Datum], *, invocation_id: str | None = None
    ) -> RuntimeOutcome:
        """Run ``name`` with these input values and trigger metadata, as invocation ``invocation_id`` (the host
        assigns it, as the real host does in its InvocationRequest: the function's ``context.invocation_id``)."""
        invocation = SimpleNamespace(
            invocation_id=invocation_id or str(uuid.uuid4()),
            function_id=self.function_ids[name],
            input_data=[ParameterBinding(name=k, data=to_typed_data(v)) for k, v in inputs.items()],
            trigger_metadata={k: to_typed_data(v) for k, v in metadata.items()},
            trace_context=SimpleNamespace(trace_parent="", trace_state="", attributes={}),
            retry_context=SimpleNamespace(retry_count=0, max_retry_count=0, exception=None),
        )
        response = await self._events.invocation_request(_request(invocation_request=invocation))
        if response.result.status != StatusResult.Success:
            return RuntimeOutcome(ok=False, error=response.result.exception.message)
        outputs = {p.name: from_typed_data(p.data) for p in response.output_data or []}
        returned = None if response.return_value is None else from_typed_data(response.return_value)
        return RuntimeOutcome(ok=True, outputs=outputs, returned=returned)

    def invocation_in_force(self) -> str | None:
        """The invocation the runtime is running on the calling thread, or None.

        The runtime calls a sync function in its own thread pool through ``loop.run_in_executor``, which copies no
        context variables: nothing the host set around the invocation reaches that thread. What does is the
        runtime's own ``invocation_id_cv`` (exported by the package), which it sets in that thread for each call
        "because we need to access the current invocation_id from ThreadPoolExecutor's threads"."""
        return self._invocation_id.get()


def _request(**inner: Any) -> Any:
    return SimpleNamespace(request=SimpleNamespace(**inner), properties={"host": "127.0.0.1", "protos": PROTOS})


def to_typed_data(datum: Datum) -> TypedData:
    """A host-side ``Datum`` as the TypedData the runtime reads."""
    if datum.type == "http":
        value = datum.value
        plain = {k: {n: d.value for n, d in value[k].items()} for k in ("headers", "query", "params")}
        http = PROTOS.RpcHttp(
            method=value["method"].value, url=value["url"].value, body=to_typed_data(value["body"]), **plain
        )
        return TypedData(http=http)
    if datum.type is None or datum.value is None:
        return TypedData()
    return TypedData(**{str(datum.type): datum.value})


def from_typed_data(data: TypedData | None) -> Datum:
    """The runtime's TypedData as a ``Datum`` (an HTTP response keeps status, headers, cookies and body)."""
    kind = None if data is None else data.WhichOneof("data")
    if data is None or kind is None:
        return Datum(None, None)
    if kind != "http":
        return Datum(getattr(data, kind), kind)
    http = data.http
    return Datum(
        {
            "status_code": Datum(http.status_code, "string"),
            "headers": {k: Datum(v, "string") for k, v in (http.headers or {}).items()},
            "cookies": http.cookies,
            "body": from_typed_data(http.body),
        },
        "http",
    )
