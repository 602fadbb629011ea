"""Webhooks: signed events per site, delivered with retries and exponential backoff, and their delivery log."""
