"""What the CLI and the TUI call on a running or stopped host: admin API, queues, dead letters, stored data, storage
errors said readably.

May import: app/, dev/ (the state file), journal/, runtime/, triggers/http/ (keys), framework.
"""
