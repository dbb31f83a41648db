"""A deployment as the host reads it: host.json and local.settings.json and their checks, indexing the FunctionApp with
the worker's load checks, which functions run locally.

May import: conversion/, framework.
"""
