"""The dashboard: the operator's overview of their domain."""
