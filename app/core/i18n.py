"""Client-facing text in the client's language: the client page, the kiosk and emails.

Staff pages stay in the business's language; only what a client reads goes through
Flask-Babel. Each area keeps its own catalog beside its code (`<area>/translations`), so
areas add text without touching one another's files; Flask-Babel merges them.

The language is, in order: what the view chose for this request (a signed-in client's
preferred language, an email's recipient), else the browser's (the kiosk, the sign-in
page), else English.
"""

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel

SUPPORTED_LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"
# Areas with client-facing text; each has <area>/translations/<lang>/LC_MESSAGES/messages.po
# and its compiled .mo (committed, so a fresh clone needs no build step).
TRANSLATED_AREAS = ("mail", "portal", "portal/requests", "reception", "accounts")

babel = Babel()


def supported_language(preferred: str | None) -> str | None:
    """The supported language a stored preference names ("es", "es-MX", "es_AR"), or None."""
    if not preferred:
        return None
    base = preferred.replace("_", "-").split("-")[0].strip().lower()
    return base if base in SUPPORTED_LANGUAGES else None


def locale_for(language: str) -> str:
    """The locale a reader of `language` gets: the business's own when it speaks that
    language (British dates for an English reader of a London business), else the
    language's."""
    business = current_app.config["BUSINESS_LOCALE"]
    return business if business.replace("-", "_").split("_")[0].lower() == language else language


def use_language(language: str | None) -> None:
    """A view's choice for this request (a signed-in client's preferred language)."""
    g.client_language = supported_language(language)


def _select_locale() -> str:
    if has_request_context():
        chosen = g.get("client_language")
        if chosen:
            return locale_for(chosen)
        best = request.accept_languages.best_match(SUPPORTED_LANGUAGES)
        if best:
            return locale_for(best)
    return locale_for(DEFAULT_LANGUAGE)


def init_i18n(app: Flask) -> None:
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES",
        ";".join(f"{area}/translations" for area in TRANSLATED_AREAS),
    )
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["TIMEZONE"])
    babel.init_app(
        app,
        locale_selector=_select_locale,
        timezone_selector=lambda: app.config["TIMEZONE"],
    )
