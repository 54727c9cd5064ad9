"""The clients area's public module: what other areas may use of it (held by
`lint-imports`: an area imports another only through its api module)."""

from app.clients.alert_ops import add_alert, refresh_alert_severity
from app.clients.detail_ops import (
    EditConflict,
    apply_client_update,
    create_client,
    set_booking_policy,
    update_client,
)
from app.clients.forms import ClientForm, NoteForm
from app.clients.label_ops import create_label, set_client_labels
from app.clients.label_queries import labels_of
from app.clients.list_queries import LIST_VIEWS, ListFilter, client_page
from app.clients.note_ops import add_note
from app.clients.privacy_ops import delete_client, lock_client, reapply_erasure, wipe_client
from app.clients.routes import MAX_QUERY_LENGTH, list_filter_from
from app.clients.rules import (
    ClientLimitReached,
    ProfileLocked,
    ProfileReadOnly,
    may_change_details,
    may_merge,
    may_pass_lock,
)

__all__ = [
    "ClientForm",
    "ClientLimitReached",
    "EditConflict",
    "LIST_VIEWS",
    "ListFilter",
    "MAX_QUERY_LENGTH",
    "NoteForm",
    "ProfileLocked",
    "ProfileReadOnly",
    "add_alert",
    "add_note",
    "apply_client_update",
    "client_page",
    "create_client",
    "create_label",
    "delete_client",
    "labels_of",
    "list_filter_from",
    "lock_client",
    "may_change_details",
    "may_merge",
    "may_pass_lock",
    "reapply_erasure",
    "refresh_alert_severity",
    "set_booking_policy",
    "set_client_labels",
    "update_client",
    "wipe_client",
]
