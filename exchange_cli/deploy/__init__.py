"""Going to production: ``exchange package`` (a folder Azure deploys as it is) and ``exchange check`` (would it run).

``package`` assembles the folder; ``check/`` holds one module per family of checks over it and ``report`` renders
their findings. Nothing here imports the emulator's host: a check looks at the folder the way Azure will.
"""
