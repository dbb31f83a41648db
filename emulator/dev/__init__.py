"""exchange dev's processes: the supervisor, the fork server and its workers, the two worker entry points
(``supervised``, standalone ``worker``), the typed protocol they all speak (``protocol``) over the control channel
(``control``), the 503 standby, the state file dev.json, the worker's log thread.

May import: anything in emulator/; nothing else in emulator/ imports it, except client/ (the state file).
"""
