"""The parts a client's profile is composed of: tabs and Overview cards.

Each area lists its parts in its manifest (app/core/areas.py installs them); `app/clients` draws
whatever is registered, in order, without importing the area. A part declares what it
shows (a template included in the profile's panel or Overview), how its context is
loaded (one function of the client being shown), who may see it, whether a client may
see it on their own page, and how many queries its loader costs: the query-budget test
holds every registered part to that number whatever the client's history holds.

Beyond the profile, an area can add to the places that show many clients: a
`HeaderCard` under the client's name (on every tab), `ClientBadges` beside each name in
the client list and on the reception screen (one query for a whole page of clients), and
a `ClientFinder` that knows a client by an identifier typed or scanned
whole (a pass number), consulted by the list's search and reception's quick find.

The client page (/me) walks the same registry: a part shows there only when it is
client_facing and has a client_template (drawn with `part_data`, what client_load, or
else load, returns for the client). A part whose staff `template` is None but which has a
client_template is the client's only: the staff profile skips it.

A card read on every profile can instead ride on the profile's own statement, at no
round trip of its own (on PostgreSQL each query is one, and the profile is the most
visited page): its `ProfileColumns` add the card's outer joins and labelled columns to
the client's select, and read the card's context back from that row. Elsewhere (a card
redrawn after a write, the client page) the card's `load` still runs its own query.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from app.core.permissions import Permission, can
from app.core.registry import Registry


@dataclass(frozen=True)
class ProfileColumns:
    """What a card reads with the profile's own statement. `extend(select)` returns the
    client's select with the card's outer joins and columns, each labelled with a name
    of the card's own ("stats_total"); correlated to `Client`, with the bound values
    "client_id", "now" (UTC) and "today" (the business's date) at hand. `read(client,
    values)` turns the row's values into the card's context. The card costs no query
    then, whatever the client holds (asserted by the query-budget test)."""

    extend: Callable
    read: Callable[..., dict]
    # A tab's: the same context by a query of its own, for a row read without these
    # columns (a card's own `load` serves for a card).
    load: Callable[..., dict] | None = None


@dataclass(frozen=True)
class ProfileTab:
    name: str  # the tab's key: "sessions"; its id is tab-<name>
    label: str  # what staff read: "Sessions"
    endpoint: str  # the tab's own URL: an endpoint taking only client_id
    order: int
    # Included in the panel with the loader's context; None for a tab the profile
    # template draws itself (Overview, Activity).
    template: str | None = None
    load: Callable[..., dict] | None = None  # load(client) -> template context
    queries: int = 0  # what load() costs, asserted
    permission: Permission = Permission.VIEW_CLIENTS
    client_facing: bool = False
    # The client page's own template (no staff actions, no staff-only text) and, when the
    # staff loader does not fit, its loader and cost.
    client_template: str | None = None
    client_load: Callable[..., dict] | None = None
    client_queries: int = 0
    # Part of the tab's context read with the profile's statement (joined to what
    # load() returns): no query of its own on the tab's page.
    columns: ProfileColumns | None = None

    @property
    def on_staff_profile(self) -> bool:
        return not (self.template is None and self.client_template is not None)

    @property
    def on_client_page(self) -> bool:
        return self.client_facing and self.client_template is not None


@dataclass(frozen=True)
class OverviewCard:
    name: str
    template: str | None  # None: the client page's only (see client_template)
    order: int
    load: Callable[..., dict] = field(default=lambda client: {})
    queries: int = 0  # what load() costs, asserted
    permission: Permission = Permission.VIEW_CLIENTS
    client_facing: bool = False
    # Read from the client's row alone (no query): a card with nothing to show for this
    # client is neither loaded nor drawn, and costs nothing.
    shown: Callable[..., bool] = field(default=lambda client: True)
    client_template: str | None = None
    client_load: Callable[..., dict] | None = None
    client_queries: int = 0
    columns: ProfileColumns | None = None  # read with the profile's statement

    @property
    def on_staff_profile(self) -> bool:
        return self.template is not None

    @property
    def on_client_page(self) -> bool:
        return self.client_facing and self.client_template is not None


@dataclass(frozen=True)
class ProfileAction:
    """A button in the profile's header ("Book session"), for a client who is neither
    in the trash nor erased."""

    name: str
    label: str
    endpoint: str  # takes only client_id
    order: int
    permission: Permission = Permission.EDIT_CLIENTS


@dataclass(frozen=True)
class HeaderCard:
    """Drawn under the client's name in the profile header, on every tab (a membership
    card); its template gets `card_data`, what load(client) returned."""

    name: str
    template: str
    order: int
    load: Callable[..., dict] = field(default=lambda client: {})
    queries: int = 0  # what load() costs, asserted
    permission: Permission = Permission.VIEW_CLIENTS
    # As OverviewCard.shown: read from the client's row alone.
    shown: Callable[..., bool] = field(default=lambda client: True)
    columns: ProfileColumns | None = None  # as OverviewCard.columns


@dataclass(frozen=True)
class Badge:
    text: str
    tone: str = "info"  # info | success | warning | danger


@dataclass(frozen=True)
class ClientBadges:
    """Badges beside each client's name where many clients are listed: load(client_ids)
    -> {client_id: [Badge, ...]}, in `queries` queries for the whole page."""

    name: str
    load: Callable[..., dict]
    queries: int = 1


@dataclass(frozen=True)
class ClientFinder:
    """find(text) -> the id of the one live client an identifier typed or scanned whole
    names (a pass number), or None; in `queries` queries."""

    name: str
    find: Callable[[str], int | None]
    queries: int = 1


_TABS = Registry("profile tab")
_HEADER_CARDS = Registry("header card")
_BADGES = Registry("client badge set")
_FINDERS = Registry("client finder")
_ACTIONS = Registry("profile action")
_CARDS = Registry("Overview card")
# The registries an area's manifest adds to (app/core/areas.py installs them).
PROFILE_REGISTRIES = (_TABS, _HEADER_CARDS, _BADGES, _FINDERS, _ACTIONS, _CARDS)


def register_tab(tab: ProfileTab) -> ProfileTab:
    return _TABS.add(tab.name, tab)


def register_card(card: OverviewCard) -> OverviewCard:
    return _CARDS.add(card.name, card)


def register_action(action: ProfileAction) -> ProfileAction:
    return _ACTIONS.add(action.name, action)


def register_header_card(card: HeaderCard) -> HeaderCard:
    return _HEADER_CARDS.add(card.name, card)


def register_client_badges(badges: ClientBadges) -> ClientBadges:
    return _BADGES.add(badges.name, badges)


def register_client_finder(finder: ClientFinder) -> ClientFinder:
    return _FINDERS.add(finder.name, finder)


def profile_columns(tab: str | None = "overview", header: bool = True) -> tuple:
    """The ProfileColumns joined to the profile's statement for a page of `tab`: the
    header's cards when the header is drawn, the Overview's cards on the Overview (a
    tab's own page reads none of them and stays as light as it was)."""
    parts = [
        *(_HEADER_CARDS.values() if header else ()),
        *(_CARDS.values() if tab == "overview" else ()),
        *([_TABS[tab]] if tab in _TABS else ()),
    ]
    joined = sorted((part for part in parts if part.columns), key=lambda part: part.name)
    # Two parts may read the same columns (the statistics card and the Sessions tab).
    return tuple(dict.fromkeys(part.columns for part in joined))


def profile_cost(card) -> int:
    """What drawing the card on the profile costs: nothing when it is joined to the
    profile's statement, else its loader's queries."""
    return 0 if card.columns is not None else card.queries


def card_context(card, client, joined_columns=(), profile_values=None) -> dict:
    """A card's context: from the profile's row when the card was joined to it
    (`joined_columns`: the columns the row was read with), else from the card's own
    loader."""
    if card.columns is not None and card.columns in joined_columns:
        return card.columns.read(client, profile_values)
    return card.load(client)


def tab_context(tab: ProfileTab, client, joined_columns=(), profile_values=None) -> dict:
    """A tab's context: what its loader reads, and what rides on the profile's row
    (or, for a row read without it, the columns' own query)."""
    context = tab.load(client) if tab.load else {}
    if tab.columns is not None:
        if tab.columns in joined_columns:
            context |= tab.columns.read(client, profile_values)
        else:
            context |= tab.columns.load(client)
    return context


def tab_cost(tab: ProfileTab, joined: bool = True) -> int:
    """What tab_context() costs: its loader's queries, and the columns' own query when
    the row was read without them."""
    return tab.queries + (1 if tab.columns is not None and not joined else 0)


def all_header_cards() -> list[HeaderCard]:
    return sorted(_HEADER_CARDS.values(), key=lambda card: card.order)


def header_cards_for(user) -> list[HeaderCard]:
    cards = sorted(_HEADER_CARDS.values(), key=lambda card: card.order)
    return [card for card in cards if can(user, card.permission)]


def all_client_badges() -> list[ClientBadges]:
    return list(_BADGES.values())


def badges_for(client_ids) -> dict[int, list[Badge]]:
    """Every registered area's badges for these clients (nothing asked for none)."""
    ids = list(dict.fromkeys(client_ids))
    merged: dict[int, list[Badge]] = {}
    if not ids:
        return merged
    for provider in _BADGES.values():
        for client_id, badges in provider.load(ids).items():
            merged.setdefault(client_id, []).extend(badges)
    return merged


def badge_queries() -> int:
    """What badges_for() costs for a non-empty page."""
    return sum(provider.queries for provider in _BADGES.values())


def all_client_finders() -> list[ClientFinder]:
    return list(_FINDERS.values())


def find_client_by_identifier(text: str) -> int | None:
    """The client an identifier typed or scanned whole names (the first finder that
    knows it), or None. Only a single word is an identifier: a name never is asked."""
    text = (text or "").strip()
    # One printable word: a control character (a NUL, which PostgreSQL refuses in text)
    # is never part of a number.
    if not text or len(text) > 64 or not text.isprintable() or " " in text:
        return None
    for finder in _FINDERS.values():
        client_id = finder.find(text)
        if client_id is not None:
            return client_id
    return None


def finder_queries() -> int:
    return sum(finder.queries for finder in _FINDERS.values())


def actions_for(user) -> list[ProfileAction]:
    actions = sorted(_ACTIONS.values(), key=lambda action: action.order)
    return [action for action in actions if can(user, action.permission)]


def all_tabs() -> list[ProfileTab]:
    """The staff profile's tabs, in order."""
    tabs = sorted(_TABS.values(), key=lambda tab: tab.order)
    return [tab for tab in tabs if tab.on_staff_profile]


def all_cards() -> list[OverviewCard]:
    """The staff profile's Overview cards, in order."""
    cards = sorted(_CARDS.values(), key=lambda card: card.order)
    return [card for card in cards if card.on_staff_profile]


def client_parts() -> list[OverviewCard | ProfileTab]:
    """What the client page shows, in order: the client-facing cards, then the
    client-facing tabs, each with a client_template."""
    cards = sorted(_CARDS.values(), key=lambda card: card.order)
    tabs = sorted(_TABS.values(), key=lambda tab: tab.order)
    return [part for part in [*cards, *tabs] if part.on_client_page]


def load_for_client(part, client) -> dict:
    """A part's context on the client page."""
    loader = part.client_load or part.load
    return loader(client) if loader else {}


def client_cost(part) -> int:
    """What load_for_client() costs for this part."""
    if part.client_load is not None:
        return part.client_queries
    return part.queries if part.load else 0


def tabs_for(user) -> list[ProfileTab]:
    return [tab for tab in all_tabs() if can(user, tab.permission)]


def cards_for(user) -> list[OverviewCard]:
    return [card for card in all_cards() if can(user, card.permission)]


def tab_named(name: str) -> ProfileTab | None:
    tab = _TABS.get(name)
    return tab if tab is not None and tab.on_staff_profile else None
