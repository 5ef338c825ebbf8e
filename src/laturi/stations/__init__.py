"""Charging stations.

The core (service, repository, lifecycle: what a station reports about itself) sits below
sessions; the operator console over it (commands/, panel/) sits above sessions.
"""
