"""The parts a client's profile is composed of: tabs and Overview cards.

Each area registers its own parts when its package is imported; `app/clients` draws
whatever is registered, in order, without importing the area. A part declares what it
shows (a template included in the profile's panel or Overview), how its context is
loaded (one function of the client being shown), who may see it, whether a client may
see it on their own page, and how many queries its loader costs: the query-budget test
holds every registered part to that number whatever the client's history holds.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from app.permissions import Permission, can


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


@dataclass(frozen=True)
class OverviewCard:
    name: str
    template: str
    order: int
    load: Callable[..., dict] = field(default=lambda client: {})
    queries: int = 0  # what load() costs, asserted
    permission: Permission = Permission.VIEW_CLIENTS
    client_facing: bool = False
    # Read from the client's row alone (no query): a card with nothing to show for this
    # client is neither loaded nor drawn, and costs nothing.
    shown: Callable[..., bool] = field(default=lambda client: True)


@dataclass(frozen=True)
class ProfileAction:
    """A button in the profile's header ("Book session"), for a client who is neither
    in the trash nor erased."""

    name: str
    label: str
    endpoint: str  # takes only client_id
    order: int
    permission: Permission = Permission.EDIT_CLIENTS


_TABS: dict[str, ProfileTab] = {}
_ACTIONS: dict[str, ProfileAction] = {}
_CARDS: dict[str, OverviewCard] = {}


def register_tab(tab: ProfileTab) -> ProfileTab:
    """Idempotent by name: importing an area twice (several apps in one process) is fine."""
    _TABS[tab.name] = tab
    return tab


def register_card(card: OverviewCard) -> OverviewCard:
    _CARDS[card.name] = card
    return card


def register_action(action: ProfileAction) -> ProfileAction:
    _ACTIONS[action.name] = action
    return action


def actions_for(user) -> list[ProfileAction]:
    actions = sorted(_ACTIONS.values(), key=lambda action: action.order)
    return [action for action in actions if can(user, action.permission)]


def all_tabs() -> list[ProfileTab]:
    return sorted(_TABS.values(), key=lambda tab: tab.order)


def all_cards() -> list[OverviewCard]:
    return sorted(_CARDS.values(), key=lambda card: card.order)


def tabs_for(user) -> list[ProfileTab]:
    return [tab for tab in all_tabs() if can(user, tab.permission)]


def cards_for(user) -> list[OverviewCard]:
    return [card for card in all_cards() if can(user, card.permission)]


def tab_named(name: str) -> ProfileTab | None:
    return _TABS.get(name)
