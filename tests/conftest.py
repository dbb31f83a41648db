"""Shared test set-up: the exchange pytest plugin (installed as an entry point) provides the fixtures."""
