"""Shared test set-up. The exchange pytest plugin (installed with exchange) provides the fixtures."""
