"""Mail: composed where its cause happens, sent once that transaction commits, through SMTP or into instance/outbox."""
from moderation.mail.delivery import deliver, init_app, send_after_commit, settings_from_env

__all__ = ["deliver", "init_app", "send_after_commit", "settings_from_env"]
