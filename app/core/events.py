"""Domain events: what one area tells the others happened, with the values they need.

The area where a thing happens defines its event (a frozen dataclass carrying the before
and after values a listener needs, so no listener reads another area's unflushed ORM
state) and publishes it, in the same transaction, right where it records the change. An
area that acts on it lists `(EventClass, handler)` in its manifest's `subscriptions`.
Handlers write only in the caller's transaction, so the change and what follows from it
commit or roll back together; they run in the order the areas are listed.
"""

from collections.abc import Callable

from app.core.registry import Registry

# event class -> its handlers, in the order the areas came
SUBSCRIPTIONS = Registry("event subscription")


def subscribe(event_class: type, handler: Callable) -> None:
    handlers = SUBSCRIPTIONS.get(event_class)
    if handlers is None:
        SUBSCRIPTIONS.add(event_class, (handler,))
    else:
        SUBSCRIPTIONS.replace(event_class, (*handlers, handler))


def publish(event) -> None:
    for handler in SUBSCRIPTIONS.get(type(event), ()):
        handler(event)
