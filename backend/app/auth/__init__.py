"""Accounts and sessions: who is asking. Passwords (argon2), server-side sessions, guests."""
