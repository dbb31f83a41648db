"""The journal: an append-only SQLite store of what the host did, and the read models over it (flows).

May import: framework only.
"""
