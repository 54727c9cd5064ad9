"""Small helpers the browser tests share."""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

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


TOUCH = 44  # px, the smallest target a thumb hits reliably at reception


# Every control a person can tap, in the header and the page body.
INTERACTIVE = (
    "header a, header button, header input, header select,"
    " main a, main button, main input:not([type=hidden]), main select, main textarea,"
    " main summary, main [role=tab], main [tabindex]:not([tabindex='-1'])"
)


SMALL_TARGETS_JS = """
({selector, touch}) => {
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    // A tick box or radio inside its label is pressed anywhere on the label.
    const tick = el.matches('input[type="checkbox"], input[type="radio"]');
    const wrapped = tick && el.closest("label");
    const box = (wrapped || el).getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === "hidden") continue;
    if (el.closest(".visually-hidden")) continue;
    if (el === document.querySelector("main")) continue;
    if (box.height < touch) {
      const name = (el.getAttribute("aria-label") || el.textContent || el.name || "").trim();
      const tag = el.tagName.toLowerCase();
      small.push(`${tag} "${name.slice(0, 40)}" is ${box.height.toFixed(1)}px`);
    }
  }
  return small;
}
"""


SIDEWAYS_JS = """
() => {
  const width = window.innerWidth;
  const wide = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 0.5 && box.width > 0 && !el.closest(".visually-hidden, .skip-link")) {
      wide.push(`${el.tagName.toLowerCase()}.${el.className} ends at ${box.right.toFixed(0)}px`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5)};
}
"""


def check_screen(page: Page, axe: Axe, shot: str) -> list[str]:
    """What must hold on every screen; returns the problems found."""
    problems = []
    layout = page.evaluate(SIDEWAYS_JS)
    if layout["scrollWidth"] > layout["width"]:
        problems.append(
            f"{shot}: scrolls sideways ({layout['scrollWidth']} > {layout['width']}): "
            + "; ".join(layout["wide"])
        )
    for small in page.evaluate(SMALL_TARGETS_JS, {"selector": INTERACTIVE, "touch": TOUCH}):
        problems.append(f"{shot}: small target {small}")
    results = axe.run(page)
    for violation in results.response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [", ".join(map(str, node["target"])) for node in violation["nodes"]]
            problems.append(
                f"{shot}: axe {violation['impact']} {violation['id']}: {violation['help']} "
                f"at {targets[:3]}"
            )
    return problems


def book_from_profile(page: Page, service: str, day, at: str, practitioner: str | None = None):
    page.get_by_role("link", name="Book session").first.click()
    form = page.locator("#booking-session-form")
    expect(form).to_be_visible()
    # Each choice redraws the times offered, while the choices stay as picked.
    field(page, "Service").select_option(label=service)
    if practitioner:
        field(page, "Practitioner").select_option(label=practitioner)
    page.get_by_label("Date").fill(day.isoformat())
    time_select = field(page, "Time")
    expect(time_select.locator(f'option[value="{at}"]')).to_have_count(1)
    time_select.select_option(value=at)
    expect(page.get_by_label("Date")).to_have_value(day.isoformat())
