"""Log-in, sessions, API tokens, permissions and the acting operator."""
