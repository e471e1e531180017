"""Reusable UI pieces: badges, times, fields, empty states and the three page shells. No database access."""
