"""exchange dev's processes: the supervisor, the fork server and its workers, the worker entry point, their control
channel, the 503 standby, the state file dev.json, the worker's log thread.

May import: anything in emulator/; nothing else in emulator/ imports it, except client/ (the state file).
"""
