"""Resumable event streams: the worker appends, Redis orders and pushes, the API relays."""
