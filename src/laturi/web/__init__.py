"""The panel's plumbing: templates, session cookie, CSRF, flash messages, error pages."""
