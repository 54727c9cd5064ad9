"""Data about clients as a whole (import, duplicates and merge, list export, backups):
everything the area adds to the app (see app/core/areas.py)."""

from app.core.areas import Area
from app.core.jobs import JobKind
from app.data import commands, import_routes, parts  # noqa: F401  (import_routes: the import's views)
from app.data.duplicates import duplicate_scan_job
from app.data.imports import IMPORT_VERBS
from app.data.imports.ops import import_job
from app.data.imports.previews import preview_job
from app.data.list_export import export_job
from app.data.merge import MERGE_FIELD_LABELS, MERGE_VERBS
from app.data.merge_coverage import DATA_STAYS
from app.data.merge_routes import MERGE_ACTION
from app.data.routes import bp

AREA = Area(
    "data",
    blueprints=(bp,),
    cards=(parts.MERGES_CARD,),
    actions=(MERGE_ACTION,),
    verbs={**IMPORT_VERBS, **MERGE_VERBS},
    # Both of the import's verbs quote the fields they set, stamped; so do these two.
    field_changing_verbs=(*IMPORT_VERBS, "client.merged", "client.merge_undone"),
    audit_field_labels={"import_file": "From file", **MERGE_FIELD_LABELS},
    filter_additions={"profile": (*IMPORT_VERBS, *MERGE_VERBS)},
    export_sections=(parts.IMPORTS_EXPORT, parts.MERGES_EXPORT),
    erasure_steps=(parts.DATA_ERASURE,),
    merge_stays=DATA_STAYS,
    # Encrypted snapshots of a client's values: an erasure scrubs these tables' files too.
    personal_tables=("imported_clients", "merges", "merged_clients"),
    row_words={
        "merged_clients": ("merge", "merges"),
        "merges": ("merge", "merges"),
        "not_duplicates": ("pair marked not duplicates", "pairs marked not duplicates"),
    },
    commands=commands.COMMANDS,  # backup, restore, scrub
    job_kinds=(
        JobKind("export", export_job),
        JobKind("duplicate_scan", duplicate_scan_job),
        JobKind("import_preview", preview_job),
        JobKind("import", import_job),
    ),
)
