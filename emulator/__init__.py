"""The local Azure Functions host, in rooms (ARCHITECTURE.md has the map).

app/ (a deployment and its index) · conversion/ (values across the host-function boundary) · runtime/ (one host in
one process) · triggers/ (queue, timer, blob/, http/) · dev/ (exchange dev's processes) · journal/ (what happened) ·
client/ (what the CLI and TUI call) · testing/ (the pytest plugin) · azurite.py, npm_install.py (the storage emulator).
"""
