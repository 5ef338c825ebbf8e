"""The REST API's plumbing: bearer-token authentication and the assembled /api/v1 router."""
