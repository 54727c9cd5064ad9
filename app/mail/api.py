"""The mail area's public module: what other areas may use of it (held by
`lint-imports`: an area imports another only through its api module)."""

from app.mail.business import BUSINESS_NAME, business_details, save_business_details
from app.mail.forms import RulesWithEmailForm
from app.mail.outbox import mail_configured, queue_email, render_email

__all__ = [
    "BUSINESS_NAME",
    "RulesWithEmailForm",
    "business_details",
    "mail_configured",
    "queue_email",
    "render_email",
    "save_business_details",
]
