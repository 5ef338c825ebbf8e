"""The charging-group tree as a query: below auth, which builds an operator's domain from it."""
