"""E-mail notifications: the `task_overdue` handler tells assignees and supervisors by SMTP."""
from .mailer import MailSettings
from .models import NotificationLog
from .overdue import NotificationSettings, make_task_overdue_handler

__all__ = ["MailSettings", "NotificationLog", "NotificationSettings", "make_task_overdue_handler"]
