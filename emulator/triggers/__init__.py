"""The triggers that drive functions: queue, timer (and its schedules), blob/ and http/ (rooms of their own).

May import: app/, conversion/, journal/, runtime/, framework.
"""
