"""The worker's checks when it indexes a function: parameters against bindings, annotations against converters.

The Python worker refuses to load the whole app when one function's parameters do not fit its bindings (a queue
trigger annotated ``dict``, an ``out`` binding without ``func.Out``, a return annotation its binding cannot
encode): it raises ``FunctionLoadError("cannot load the <fn> function: ...")`` while indexing. This module applies
the same rules, in the same order, with the same wording, and records what each parameter converts through.
"""

from __future__ import annotations

import inspect
import operator
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from azure.functions._thirdparty import typing_inspect  # the worker uses the same helper

from emulator.conversion import converters
from emulator.conversion.converters import ParamType


class FunctionLoadError(RuntimeError):
    """A function the worker would refuse to load (the worker's own error class name and wording)."""

    def __init__(self, function_name: str, msg: str) -> None:
        super().__init__(f"cannot load the {function_name} function: {msg}")


@dataclass(frozen=True)
class Signature:
    """What the worker learns from a function's parameters and bindings."""

    #: Input parameters (the trigger included) and how each converts.
    inputs: dict[str, ParamType] = field(default_factory=dict)
    #: ``func.Out`` parameters and how each converts.
    outputs: dict[str, ParamType] = field(default_factory=dict)
    #: How the return value converts; None when the function has no ``$return`` (then it must return None).
    returns: ParamType | None = None
    #: True when a ``context`` parameter gets the ``func.Context``.
    wants_context: bool = False


def check_function(name: str, user: Callable[..., Any], raw_bindings: Sequence[Any]) -> Signature:
    """The worker's ``add_indexed_function`` checks for one function; raises :class:`FunctionLoadError`."""
    params = dict(inspect.signature(user).parameters)
    annotations = typing.get_type_hints(user)
    bound: dict[str, Any] = {}
    explicit = implicit = False
    return_binding: str | None = None
    for binding in raw_bindings:
        direction = _direction(binding)
        if direction == "inout":
            raise FunctionLoadError(name, '"inout" bindings are not supported')
        if binding.name == "$return":
            if direction != "out":
                raise FunctionLoadError(name, '"$return" binding must have direction set to "out"')
            if not explicit:
                return_binding = binding.type
            explicit = True
            continue
        if converters.has_implicit_output(binding.type):
            implicit = True
            if not explicit:
                return_binding = binding.type
        bound[binding.name] = binding
    wants_context = _context_required(name, params, bound, annotations)
    inputs, outputs = _param_types(name, params, bound, annotations)
    returns = _return_type(name, annotations, explicit, implicit, return_binding)
    return Signature(inputs, outputs, returns, wants_context)


def _direction(binding: Any) -> str:
    value = getattr(binding.direction, "value", binding.direction)
    return {0: "in", 1: "out", 2: "inout"}.get(int(value), "in")


def _context_required(name: str, params: dict[str, Any], bound: dict[str, Any], annotations: dict[str, Any]) -> bool:
    if "context" not in params or "context" in bound:
        return False
    params.pop("context")
    annotation = annotations.get("context")
    if "context" in annotations and (not isinstance(annotation, type) or annotation.__name__ != "Context"):
        raise FunctionLoadError(
            name, f'the "context" parameter is expected to be of type azure.functions.Context, got "{annotation!r}"'
        )
    return True


def _param_types(
    name: str, params: dict[str, Any], bound: dict[str, Any], annotations: dict[str, Any]
) -> tuple[dict[str, ParamType], dict[str, ParamType]]:
    if set(params) - set(bound):
        missing = set(params) - set(bound)
        raise FunctionLoadError(
            name,
            "the following parameters are declared in Python but not in the function definition (function.json or "
            f"function decorators):  {missing!r}",
        )
    if set(bound) - set(params):
        extra = set(bound) - set(params)
        raise FunctionLoadError(
            name,
            "Extra parameters in binding definition \u2014 the following parameters are declared as bindings but are "
            f"not present in Python: {extra!r}",
        )
    inputs: dict[str, ParamType] = {}
    outputs: dict[str, ParamType] = {}
    for param in params:
        binding = bound[param]
        is_out_binding = _direction(binding) == "out"
        param_type = _param_type(name, param, binding, annotations, is_out_binding)
        (outputs if is_out_binding else inputs)[param] = param_type
    return inputs, outputs


def _is_out(annotation: Any) -> bool:
    origin = typing_inspect.get_origin(annotation) if typing_inspect.is_generic_type(annotation) else None
    candidate = origin if origin is not None else annotation
    return isinstance(candidate, type) and candidate.__name__ == "Out"


def _param_type(name: str, param: str, binding: Any, annotations: dict[str, Any], is_out_binding: bool) -> ParamType:
    has_annotation = param in annotations
    annotation = annotations.get(param)
    is_out = has_annotation and _is_out(annotation)
    pytype = annotation
    if is_out:
        args = typing_inspect.get_args(annotation)
        if len(args) != 1:
            raise FunctionLoadError(name, f"binding {param} has invalid Out annotation {annotation!r}")
        pytype = args[0]
        if isinstance(pytype, tuple) and typing_inspect.is_generic_type(pytype[0]):  # Out[List[x]], flattened
            pytype = operator.getitem(pytype[0], *pytype[1:])
    if has_annotation and not isinstance(pytype, type) and not typing_inspect.is_generic_type(pytype):
        raise FunctionLoadError(name, f"binding {param} has invalid non-type annotation {annotation!r}")
    if is_out_binding and has_annotation and not is_out:
        raise FunctionLoadError(
            name,
            f'binding {param} is declared to have the "out" direction, but its annotation in Python is not a '
            "subclass of azure.functions.Out",
        )
    if not is_out_binding and is_out:
        raise FunctionLoadError(
            name,
            f'binding {param} is declared to have the "in" direction in the binding decorator, but its annotation '
            "is azure.functions.Out in Python",
        )
    generic = has_annotation and pytype in (str, bytes) and not converters.has_implicit_output(binding.type)
    bind_type = "generic" if generic else binding.type
    if has_annotation and not _annotation_fits(bind_type, pytype, is_out):
        # worded as azure-functions-runtime 1.3 words it, quirks included (the parameter stands where the binding
        # type should, the binding type where the dataType should)
        raise FunctionLoadError(
            name,
            f'binding type "{param!r}" and dataType "{binding.type}" in the binding decorator do not match the '
            f"corresponding function parameter's Python type annotation {_type_name(pytype)}",
        )
    return ParamType(bind_type, pytype)


def _annotation_fits(bind_type: str, pytype: Any, is_out: bool) -> bool:
    found = converters.converter(bind_type)
    check = found.check_output_type_annotation if is_out else found.check_input_type_annotation
    try:
        return bool(check(pytype))
    except TypeError:  # issubclass() of a generic alias (List[str]) on a converter that expects a class
        return False


def _return_type(
    name: str, annotations: dict[str, Any], explicit: bool, implicit: bool, binding: str | None
) -> ParamType | None:
    pytype = None
    if explicit and "return" in annotations:
        pytype = annotations["return"]
        if _is_out(pytype) and typing_inspect.is_generic_type(pytype):
            raise FunctionLoadError(name, "return annotation should not be azure.functions.Out")
        if not isinstance(pytype, type):
            raise FunctionLoadError(name, f"has invalid non-type return annotation {pytype!r}")
        if not _annotation_fits(binding or "generic", pytype, is_out=True):
            raise FunctionLoadError(
                name, f'Python return annotation "{pytype.__name__}" does not match binding type "{binding}"'
            )
    if implicit and "return" in annotations:
        pytype = annotations["return"]
    if explicit or implicit:
        return ParamType(binding or "generic", pytype)
    return None


def _type_name(pytype: Any) -> str:
    return getattr(pytype, "__name__", repr(pytype))
