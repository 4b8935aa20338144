"""Accounts, roles and permission checks: users, API keys, server-side sessions."""
