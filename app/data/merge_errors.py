"""What a merge, or the undo of one, refuses with: MergeRefused and its two particular
cases (the undo blocked by what changed since, the profiles changed since the merge
page was loaded). The message of each is for staff."""


class MergeRefused(Exception):
    """A merge (or its undo) that cannot be done; the message is for staff."""


class UndoBlocked(MergeRefused):
    def __init__(self, blockers: list[str]):
        super().__init__("This merge cannot be undone: " + "; ".join(blockers) + ".")
        self.blockers = blockers


class StaleProfiles(MergeRefused):
    """A profile changed after the merge page was loaded: staff should look again."""

    def __init__(self, names: list[str]):
        super().__init__(
            f"{', '.join(names)} changed since this page was opened. "
            "The values below are the current ones: check them and merge again."
        )
        self.names = names
