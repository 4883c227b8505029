"""Accounts, roles, cohorts, sign-in (server-side sessions, throttling, password rules, resets), access rules
and the audit log."""
