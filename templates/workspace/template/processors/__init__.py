"""Processors shared by every customer deployment of this workspace."""
