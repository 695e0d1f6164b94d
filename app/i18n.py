"""Interface language: gettext for strings, babel for dates and numbers.

Every user-visible string is written `_("English text")`; strings defined at
import time (tables of labels) are marked `N_(...)` and passed through `_` when
shown. The Chinese catalogue lives in resources/locale and is built with
babel's tools (see docs/ARCHITECTURE.md). Simplified Chinese is the default.
"""
from __future__ import annotations

import datetime as _dt
import gettext

from app.paths import resource_path

DOMAIN = "desk"
LANGUAGES = {"zh_CN": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh_CN"

_current = DEFAULT_LANGUAGE
_translation: gettext.NullTranslations = gettext.NullTranslations()
_babel_locales: dict = {}  # language code → babel Locale: a code given as text is parsed on every call (4× slower)


def locale_dir():
    return resource_path("locale")


def set_language(lang: str | None) -> str:
    """Switch the interface language; unknown codes fall back to the default."""
    global _current, _translation
    lang = normalise_language(lang)
    if lang == "en":
        _translation = gettext.NullTranslations()  # msgids are English
    else:
        _translation = gettext.translation(DOMAIN, localedir=str(locale_dir()), languages=[lang], fallback=True)
    _current = lang
    return lang


def normalise_language(lang: str | None) -> str:
    if not lang:
        return DEFAULT_LANGUAGE
    lang = lang.replace("-", "_")
    if lang in LANGUAGES:
        return lang
    if lang.lower().startswith("zh"):
        return "zh_CN"
    if lang.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def current_language() -> str:
    return _current


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, when shown."""
    return message


# -- argparse's own words ------------------------------------------------------

def translate_argparse() -> None:
    """Let argparse speak the interface language ("usage", "options", its error texts).

    argparse translates its words with the module-level `_` and `ngettext` it imported
    from gettext (domain 'messages'), looked up when it formats help or an error; pointing
    them at ours puts them through the desk catalogue, which holds them (`_argparse_words`).
    """
    import argparse

    argparse._ = _
    argparse.ngettext = ngettext


def _argparse_words() -> tuple[str, ...]:
    """Never called: argparse's user-visible messages (Python 3.12–3.13), listed here so
    that `pybabel extract` puts them into the catalogue for translation. (Its one plural,
    "expected %s arguments", needs nargs=N, which no command uses.)"""
    return (
        _("usage: "), _("positional arguments"), _("options"), _("%(heading)s:"), _("subcommands"),
        _("show this help message and exit"), _("show program's version number and exit"),
        _(" (default: %(default)s)"), _("%(prog)s: error: %(message)s\n"),
        _("%(prog)s: warning: %(message)s\n"),
        _("the following arguments are required: %s"), _("unrecognized arguments: %s"),
        _("invalid choice: %(value)r (choose from %(choices)s)"),
        _("argument %(argument_name)s: %(message)s"), _("expected one argument"),
        _("expected at most one argument"), _("expected at least one argument"),
        _("invalid %(type)s value: %(value)r"), _("one of the arguments %s is required"),
        _("not allowed with argument %s"), _("ambiguous option: %(option)s could match %(matches)s"),
        _("ignored explicit argument %r"), _("unknown parser %(parser_name)r (choices: %(choices)s)"),
    )


# -- formatting: the one place dates and numbers become text -----------------

def _locale():
    found = _babel_locales.get(_current)
    if found is None:
        from babel import Locale

        found = _babel_locales[_current] = Locale.parse(_current)
    return found


def format_date(value: _dt.date | None, form: str = "long") -> str:
    """2026年11月27日 in Chinese, November 27, 2026 in English ('' for None)."""
    if value is None:
        return ""
    from babel.dates import format_date as _fd

    return _fd(value, format=form, locale=_locale())


def format_datetime(value: _dt.datetime | None, form: str = "medium") -> str:
    if value is None:
        return ""
    from babel.dates import format_datetime as _fdt

    return _fdt(value, format=form, locale=_locale())


def format_number(value: int | float, decimals: int | None = None) -> str:
    """12345.6 → "12,345.6"; with `decimals`, always that many (8 → "8.00" with 2)."""
    from babel.numbers import format_decimal

    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=_locale())


def format_percent(fraction: float, decimals: int = 0, *, fixed: bool = False) -> str:
    """0.153 → "15%" (or "15.3%" with one decimal), as the language writes a percentage; `fixed`
    keeps the decimals of a round figure too (0.2 → "20.0%", as a table's column of rates reads)."""
    from babel.numbers import format_percent as _fp

    digit = "0" if fixed else "#"
    return _fp(fraction, format="#,##0" + ("." + digit * decimals if decimals else "") + "%", locale=_locale())


set_language(DEFAULT_LANGUAGE)
