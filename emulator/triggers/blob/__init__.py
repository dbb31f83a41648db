"""The blob trigger: container scans, receipts in azure-webjobs-hosts, paths, trigger values.

May import: app/, conversion/, runtime/, framework.
"""
