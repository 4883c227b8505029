"""Accounts, roles, cohorts, sign-in, access rules and the audit log."""
