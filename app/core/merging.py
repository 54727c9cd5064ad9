"""What a merge does with each area's tables, beside moving the merged profiles' rows
to the survivor (app/data/merge.py walks every table that points at clients).

An area lists in its manifest the tables that stay where they are (`merge_stays`, with
the reason) and the per-client tables derived from others, recounted for each profile
involved after the move (`merge_derived`: table -> recount(client_id)).
"""

from app.core.registry import Registry

MERGE_STAYS = Registry("table a merge leaves in place")
MERGE_DERIVED = Registry("derived per-client table")
