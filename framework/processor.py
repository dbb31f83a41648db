"""The one interface every processor implements, with helpers that turn Functions triggers into messages.

A processor implements ``process(message, context)`` (v2) or ``process(message)`` (v1); the handler tells them
apart by the signature. The other methods have sensible defaults.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from framework.message import Message

if TYPE_CHECKING:
    from framework.processor_context import ProcessorContext
    from framework.result import ProcessingResult


class ProcessorInterface:
    """Business logic for one pipeline stage."""

    def process(self, message: Message, context: ProcessorContext) -> ProcessingResult:
        """Process ``message`` and say what happened (v1 processors take only ``message``)."""
        raise NotImplementedError(f"{type(self).__name__} must implement process(message, context)")

    def validate_message(self, message: Message) -> bool:
        """Whether ``message`` can be processed at all; an invalid message is dead-lettered, never retried."""
        return True

    def get_processor_info(self) -> dict[str, Any]:
        """Processor metadata for monitoring and debugging."""
        return {"name": type(self).__name__, "version": "1.0.0"}

    def can_retry(self, error: Exception) -> bool:
        """Whether a raised ``error`` is worth retrying."""
        return True

    def create_timer_message(self, timer: Any = None, payload: dict[str, Any] | None = None) -> Message:
        """A TIMER message for a ``func.TimerRequest`` (read by attribute; the Functions SDK is not needed)."""
        status = getattr(timer, "schedule_status", None)
        return Message.create_timer_message(
            payload,
            past_due=bool(getattr(timer, "past_due", False)),
            schedule_status=status if isinstance(status, dict) else None,
            processor=type(self).__name__,
        )

    def create_http_message(self, req: Any) -> Message:
        """An HTTP message for a ``func.HttpRequest``: a JSON object body is the payload, else ``{"body": text}``."""
        body: bytes = req.get_body() or b""
        try:
            parsed = json.loads(body) if body else {}
        except (ValueError, UnicodeDecodeError):
            parsed = {"body": body.decode("utf-8", errors="replace")}
        payload = parsed if isinstance(parsed, dict) else {"body": parsed}
        return Message.create_http_message(
            payload,
            method=getattr(req, "method", None),
            url=getattr(req, "url", None),
            params=dict(getattr(req, "params", None) or {}),
            route_params=dict(getattr(req, "route_params", None) or {}),
            headers={k.lower(): v for k, v in dict(getattr(req, "headers", None) or {}).items()},
        )
