"""The pytest plugin (real Azurite, databases, queues) and in-process hosts for tests.

May import: emulator.azurite, journal/, runtime/, framework.
"""
