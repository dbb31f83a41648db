"""How the framework runs one processor: tenant, state tracking, duplicate detection, retries, dead letters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from framework.queues import validate_queue_name
from framework.retry import RetryPolicy


@dataclass
class ProcessorConfig:
    """The framework settings of one processor."""

    #: Name used in state records, error records, metrics and events.
    processor_name: str = "processor"
    #: The deployment's tenant when no ``tenant_context`` is in force (else ``TENANT_ID``, else ``"default"``).
    #: A message naming another tenant is refused (dead-lettered) unless that tenant is in ``allowed_tenants``.
    tenant_id: str | None = None
    #: Other tenants this processor may act for when a message names them (a shared, multi-tenant stage).
    allowed_tenants: tuple[str, ...] = ()
    #: The queue whose trigger runs this processor: a retry is the message sent back there with a delay. None
    #: (an HTTP or timer trigger, a test): see ``ProcessorHandler`` for what a retryable failure does then.
    source_queue: str | None = None
    #: Create entities from the ENTITY messages the processor returns.
    is_source_processor: bool = False
    #: Record state transitions (received, processing, completed, ...) for every message.
    enable_state_tracking: bool = True
    #: Skip storing a new version when an entity's content did not change.
    enable_duplicate_detection: bool = True
    #: How often and how far apart retryable failures are retried (through ``source_queue``, never by sleeping).
    retry_policy: RetryPolicy = field(default_factory=RetryPolicy)
    #: Storage queue that receives messages that failed for good (None: do not dead-letter).
    dead_letter_queue: str | None = "dead-letter"
    #: Storage connection string for dead letters and routed messages (None: ``AzureWebJobsStorage``).
    connection_string: str | None = None
    #: Deliver v1 ``output_messages`` to their routing destination queue.
    deliver_routed_messages: bool = True
    #: Run each attempt in one database transaction: the entities it stores and its state transitions commit
    #: together, and a failed attempt leaves nothing behind. On SQLite the write lock is held from the first
    #: write to the end of ``process``: turn this off for processors that call slow services after writing.
    atomic_attempts: bool = True
    #: Re-raise a retryable failure once retries are exhausted (instead of dead-lettering), so that the
    #: Functions host's own queue retry and poison queue apply.
    raise_on_failure: bool = False
    #: A failure not caused by the message (a storage fault, a transient error) that retries did not cure is
    #: raised to the host instead of dead-lettered: the message stays on its queue and is processed when the
    #: service is back (or reaches ``<queue>-poison`` after ``maxDequeueCount``), rather than needing a replay.
    raise_on_outage: bool = True

    def __post_init__(self) -> None:
        for queue in (self.dead_letter_queue, self.source_queue):
            if queue is not None:
                validate_queue_name(queue)
        self.allowed_tenants = tuple(self.allowed_tenants)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (the connection string is never included)."""
        return {
            "processor_name": self.processor_name,
            "tenant_id": self.tenant_id,
            "allowed_tenants": list(self.allowed_tenants),
            "source_queue": self.source_queue,
            "is_source_processor": self.is_source_processor,
            "enable_state_tracking": self.enable_state_tracking,
            "enable_duplicate_detection": self.enable_duplicate_detection,
            "retry_policy": self.retry_policy.to_dict(),
            "dead_letter_queue": self.dead_letter_queue,
            "deliver_routed_messages": self.deliver_routed_messages,
            "atomic_attempts": self.atomic_attempts,
            "raise_on_failure": self.raise_on_failure,
            "raise_on_outage": self.raise_on_outage,
        }
