"""Values crossing between the host and a function through ``azure.functions``' own converters, as the worker does.

The Python worker does not convert values itself: it hands the host's ``TypedData`` to the converter that the
``azure.functions`` library registers for the binding (``azure.functions.meta``'s registry: ``queueTrigger``,
``queue``, ``httpTrigger``, ``http``, ``timerTrigger``, ``blob``, ...) and wraps a few checks around it. This module
does the same with ``azure.functions.meta.Datum`` values: :func:`decode` is "the value for binding X of type T",
:func:`encode` is "the TypedData for output X". What the host then does with the encoded value (queue messages, a
blob, the HTTP response) is :mod:`emulator.conversion.host_values`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import azure.functions as func
from azure.functions.meta import Datum


class GenericConverter:
    """The worker's fallback for bindings without a library converter, and for ``str``/``bytes`` parameters.

    The worker has its own (``bindings/generic.py``); the library does not ship it, so this reproduces its rules:
    str, bytes and None pass through; dicts, lists, ints, floats and bools become the TypedData kinds for them.
    """

    @classmethod
    def has_trigger_support(cls) -> bool:
        """Generic bindings are never triggers."""
        return False

    @classmethod
    def check_input_type_annotation(cls, pytype: type) -> bool:
        """Only str and bytes parameters."""
        return issubclass(pytype, str | bytes)

    @classmethod
    def check_output_type_annotation(cls, pytype: type) -> bool:
        """Only str, bytes and bytearray outputs."""
        return issubclass(pytype, str | bytes | bytearray)

    @classmethod
    def has_implicit_output(cls, bind_name: str | None = None) -> bool:
        """True, as in the worker (except for Durable Functions' client)."""
        return bind_name != "durableClient"

    @classmethod
    def encode(cls, obj: Any, *, expected_type: type | None) -> Datum:
        """The TypedData kind the worker picks for a plain Python value."""
        if isinstance(obj, str):
            return Datum(obj, "string")
        if isinstance(obj, bytes | bytearray):
            return Datum(bytes(obj), "bytes")
        if obj is None:
            return Datum(None, None)
        kind = next((k for t, k in _GENERIC_KINDS if isinstance(obj, t)), None)
        if kind is None:
            raise NotImplementedError
        return Datum(obj, kind)

    @classmethod
    def decode(cls, data: Datum | None, *, trigger_metadata: Any) -> Any:
        """The raw value of a string, bytes or json datum."""
        if data is None or data.type is None:
            return None
        if data.type in ("string", "bytes", "json"):
            return data.value
        raise ValueError(f'unexpected type of data received for the "generic" binding : {data.type!r}')


# checked in the worker's order: bool is an int, so True becomes an int there too
_GENERIC_KINDS: tuple[tuple[type, str], ...] = (
    (dict, "dict"),
    (list, "list"),
    (int, "int"),
    (float, "double"),
    (bool, "bool"),
)


@dataclass(frozen=True)
class ParamType:
    """How one parameter (or the return value) converts: the converter's binding name and the annotation."""

    #: The registry name the converter is looked up by (the binding type, or ``generic``).
    binding: str
    #: The parameter's annotation (the ``T`` of ``func.Out[T]``), None when it has none.
    pytype: Any = None


def converter(binding: str) -> Any:
    """The library's converter for a binding type, else the generic one (as the worker's ``get_binding``)."""
    return func.get_binding_registry().get(binding) or GenericConverter


def has_implicit_output(binding: str) -> bool:
    """True when the binding's converter says its trigger also produces the return value (Durable Functions)."""
    found = converter(binding)
    if found is GenericConverter:
        return GenericConverter.has_implicit_output(binding)
    return bool(getattr(found, "has_implicit_output", lambda: False)())


def is_trigger(binding: str) -> bool:
    """True when the converter is a trigger's (it then gets the trigger metadata)."""
    return bool(converter(binding).has_trigger_support())


def decode(param: ParamType, datum: Datum, *, metadata: Mapping[str, Datum] | None, where: str) -> Any:
    """The Python value for an input: the converter's ``decode``, its refusal worded as the worker words it."""
    found = converter(param.binding)
    try:
        return found.decode(datum, trigger_metadata=dict(metadata) if metadata else {})
    except NotImplementedError:
        raise TypeError(
            f"{where}: unable to decode incoming TypedData: unsupported combination of TypedData field "
            f"{datum.type!r} and expected binding type {found}"
        ) from None


def encode(param: ParamType, value: Any, *, where: str) -> Datum:
    """The TypedData for an output value through the converter; what it refuses is a TypeError, as in the worker."""
    found = converter(param.binding)
    try:
        return found.encode(value, expected_type=param.pytype)
    except NotImplementedError:
        raise TypeError(
            f'{where}: unable to encode outgoing TypedData: unsupported type "{param.binding}" for Python type '
            f'"{type(value).__name__}"'
        ) from None
