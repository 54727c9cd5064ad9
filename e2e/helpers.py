"""Small helpers the browser tests share."""

from playwright.sync_api import Locator, Page

# Widths the layouts must hold: phone, reception tablet, front desk.
VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "tablet": {"width": 820, "height": 1180},
    "desk": {"width": 1280, "height": 800},
}


def field(scope: Page | Locator, name: str) -> Locator:
    """The form control whose accessible name is exactly `name`.

    By role, not by label text: a required field's label also holds a "*" that is hidden
    from assistive technology, so the accessible name is the contract.
    """
    return scope.get_by_role("textbox", name=name, exact=True).or_(
        scope.get_by_role("combobox", name=name, exact=True)
    )


def mark_document(page: Page) -> None:
    """Tag the current document; the tag survives htmx swaps but not a full page load."""
    page.evaluate("window.__sameDocument = true")


def same_document(page: Page) -> bool:
    return page.evaluate("window.__sameDocument === true")
