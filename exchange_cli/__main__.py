"""``python -m exchange_cli`` is ``exchange``."""

from exchange_cli.main import cli

cli()
