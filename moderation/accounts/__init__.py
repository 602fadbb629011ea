"""Readers' accounts: confirming the email address, resetting and changing the password, the display name,
notification preferences and unsubscribing, deleting the account."""
