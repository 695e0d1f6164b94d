import datetime as dt

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app import i18n
from app.paths import resource_path

PO = resource_path("locale", "zh_CN", "LC_MESSAGES", "desk.po")
MO = resource_path("locale", "zh_CN", "LC_MESSAGES", "desk.mo")


def source_messages() -> set[str]:
    app_dir = resource_path().parent / "app"
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(app_dir), keywords=keywords, comment_tags=()):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _forms(value) -> tuple[str, ...]:
    """A message's id or translation as its forms: one string, or a plural's (singular, plural …)."""
    return (value,) if isinstance(value, str) else tuple(value)


def test_every_message_in_the_program_has_a_chinese_translation():
    catalog = read_po(PO.open("rb"), locale="zh_CN")
    translated = {_forms(m.id)[0]: m.string for m in catalog
                  if m.id and all(_forms(m.string)) and not m.fuzzy}
    missing = sorted(source_messages() - set(translated))
    assert not missing, f"messages without a Chinese translation: {missing}"


def test_compiled_catalogue_matches_the_po_file():
    po = {_forms(m.id): _forms(m.string) for m in read_po(PO.open("rb"), locale="zh_CN") if m.id}
    mo = {_forms(m.id): _forms(m.string) for m in read_mo(MO.open("rb")) if m.id}
    assert po == mo, "run: pybabel compile -d resources/locale -D desk"


def test_placeholders_survive_translation():
    import re

    for m in read_po(PO.open("rb"), locale="zh_CN"):
        if m.id:
            # the names only: "{month:02d}" may be "{month}" in a language without leading zeros
            names = {name for text in _forms(m.id) for name in re.findall(r"{(\w*)[^}]*}", text)}
            for text in _forms(m.string):
                assert set(re.findall(r"{(\w*)[^}]*}", text)) == names, m.id


def test_switching_language_changes_messages():
    i18n.set_language("en")
    assert i18n._("Residents") == "Residents"
    i18n.set_language("zh_CN")
    assert i18n._("Residents") == "居民档案"
    assert i18n.normalise_language("zh-Hans") == "zh_CN"
    assert i18n.normalise_language("fr") == "zh_CN"


def test_dates_and_numbers_are_formatted_for_the_language():
    i18n.set_language("zh_CN")
    assert i18n.format_date(dt.date(2026, 11, 27)) == "2026年11月27日"
    assert i18n.format_number(26000) == "26,000"
    i18n.set_language("en")
    assert i18n.format_date(dt.date(2026, 11, 27)) == "November 27, 2026"
    assert i18n.format_date(None) == ""
