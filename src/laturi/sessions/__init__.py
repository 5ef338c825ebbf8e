"""Charging sessions: transactions and meter values, and who may charge."""
