"""Charging groups: the tree that defines operator domains."""
