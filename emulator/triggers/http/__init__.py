"""The HTTP trigger: the aiohttp server, routes and their checks, constraints, keys, cookies, request/response, the
admin and host endpoints.

May import: app/, conversion/, runtime/, triggers/ (admin runs any function by hand), framework.
"""
