"""Field rules: 身份证号, phone numbers and 统一社会信用代码 (merchants).

Pure functions, no database: the registry, the importer and the forms all use
these. Each raises InvalidValue with a message in the interface language.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from app.errors import DeskError
from app.i18n import N_, _


class InvalidValue(DeskError):
    pass


# GB 11643-1999: ISO 7064 MOD 11-2 over the first 17 digits.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"

# Province-level codes that start a mainland 身份证 number (71 = Taiwan, rarely seen).
_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71",
}

KIND_MAINLAND = "mainland"
KIND_HMT = "hmt_residence"        # 港澳台居民居住证: 81 Hong Kong, 82 Macao, 83 Taiwan
KIND_FOREIGN_PR = "foreign_pr"    # 外国人永久居留身份证 (2023 format, starts with 9)

ID_KIND_LABELS = {
    KIND_MAINLAND: N_("Resident ID card"),
    KIND_HMT: N_("HK/Macao/Taiwan residence permit"),
    KIND_FOREIGN_PR: N_("Foreigner permanent residence card"),
}


def check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS))
    return _CHECK_CHARS[total % 11]


@dataclass(frozen=True)
class IdNumber:
    number: str            # always 18 characters
    kind: str
    birth_date: dt.date
    gender: str            # "M" or "F"
    upgraded: bool = False  # True when given as an old 15-digit number


def normalise_text(text: str | None) -> str:
    """Text as typed, in its compatibility-normalised form (NFKC).

    A Chinese input method in full-width (全角) mode types "１３８…", "Ｘ" and "ｓｘｘ"; NFKC makes
    them ASCII, and a compatibility ideograph (U+F900…) its unified character. ID numbers,
    phones and every search query (residents, counter tickets) go through this.
    """
    return unicodedata.normalize("NFKC", text or "")


# Full-width letters and digits (a Chinese input method in 全角 mode) and their ASCII forms.
_FULL_WIDTH_ALNUM = {code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B),
                                                      *range(0xFF41, 0xFF5B))}


def tidy_text(text: str | None) -> str:
    """A name or free text as typed: full-width letters and digits as ASCII, every run of spaces
    (the full-width one too) as one space, ends trimmed. Chinese punctuation stays as written
    (（二店）, “，”): NFKC, right for codes and phones, would turn it into ASCII."""
    return " ".join((text or "").translate(_FULL_WIDTH_ALNUM).split())


def _digits(text: str) -> bool:
    """Only 0-9 (str.isdigit() also accepts "①" and other digits int() or the rules refuse)."""
    return bool(text) and all(c in "0123456789" for c in text)


def clean_id_number(raw: str) -> str:
    return re.sub(r"[\s\-]", "", normalise_text(raw)).upper()


def parse_id_number(raw: str, today: dt.date | None = None) -> IdNumber:
    """Validate an ID number and derive birth date and gender.

    Accepts 18-character numbers (mainland 身份证, 港澳台居民居住证 81/82/83,
    foreigner permanent-residence card starting with 9) and upgrades old
    15-digit numbers to 18.
    """
    today = today or dt.date.today()
    number = clean_id_number(raw)
    upgraded = False
    if len(number) == 15:
        if not _digits(number):
            raise InvalidValue(_("A 15-digit ID number may contain digits only."))
        first17 = number[:6] + "19" + number[6:]
        number = first17 + check_char(first17)
        upgraded = True
    if len(number) != 18:
        raise InvalidValue(_("An ID number has 18 characters (or 15 digits on an old card); "
                             "this one has {count}.").format(count=len(number)))
    if not _digits(number[:17]) or not (_digits(number[17]) or number[17] == "X"):
        raise InvalidValue(_("An ID number is made of digits; only the last character may be X."))
    if number[0] == "9":
        kind = KIND_FOREIGN_PR
    elif number[:2] in ("81", "82", "83"):
        kind = KIND_HMT
    elif number[:2] in _PROVINCES:
        kind = KIND_MAINLAND
    else:
        raise InvalidValue(_("The ID number starts with {code}, which is not a region code.")
                           .format(code=number[:2]))
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidValue(_("The birth date in the ID number ({digits}) is not a real date.")
                           .format(digits=number[6:14])) from None
    if birth > today or birth.year < 1880:
        raise InvalidValue(_("The birth date in the ID number ({digits}) is impossible.")
                           .format(digits=number[6:14]))
    if check_char(number[:17]) != number[17]:
        raise InvalidValue(_("The ID number's check digit does not match: "
                             "a digit was probably mistyped."))
    gender = "M" if int(number[16]) % 2 == 1 else "F"
    return IdNumber(number, kind, birth, gender, upgraded)


# GB 32100-2015 统一社会信用代码: 18 characters of this alphabet (no I, O, Z, S, V); the 18th is a
# MOD 31 check character over the first 17 with these weights.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The check character of a credit code's first 17 characters (all from CREDIT_CODE_CHARS)."""
    total = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def check_credit_code(text: str | None) -> str:
    """A 统一社会信用代码 in its stored form (upper case, no spaces); raises InvalidValue saying
    what is wrong."""
    code = re.sub(r"[\s\-]", "", normalise_text(text)).upper()
    if len(code) != 18:
        raise InvalidValue(_("A unified social credit code has 18 characters; this one has {count}.")
                           .format(count=len(code)))
    wrong = [c for c in code if c not in CREDIT_CODE_CHARS]
    if wrong:
        raise InvalidValue(_("A unified social credit code is made of digits and capital letters other than "
                             "I, O, Z, S and V; “{char}” cannot appear in it.").format(char=wrong[0]))
    if credit_code_check_char(code[:17]) != code[17]:
        raise InvalidValue(_("The credit code's check character does not match: a character was probably "
                             "mistyped."))
    return code


_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def _area_length(digits: str) -> int:
    # 010 and 02x are 3-digit area codes; every other area code has 4 digits.
    return 3 if digits[:2] in ("01", "02") else 4


def normalise_phone(raw: str) -> str:
    """A mainland mobile (11 digits) or a landline with area code ("0595-88881234").

    Returns the number in its stored form; raises InvalidValue otherwise.
    """
    text = re.sub(r"[\s()]", "", normalise_text(raw))
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            text = text[len(prefix):].lstrip("-")
    digits = text.replace("-", "")
    if _MOBILE.match(digits):
        return digits
    text = re.sub(r"(转|#|ext\.?)", "-", text, flags=re.IGNORECASE)
    parts = [p for p in text.split("-") if p]
    ext = parts.pop() if len(parts) == 3 else ""
    number = "".join(parts)
    if _digits(number) and number.startswith("0") and (ext == "" or _digits(ext)):
        n = _area_length(number)
        area, local = number[:n], number[n:]
        if re.match(r"^[2-9]\d{6,7}$", local) and len(ext) <= 6:
            return f"{area}-{local}" + (f"-{ext}" if ext else "")
    raise InvalidValue(_("A phone number is an 11-digit mobile number (e.g. 13812345678) or a "
                         "landline with its area code (e.g. 0595-88881234)."))


def mask_id_number(number: str | None) -> str:
    """Hide the birth-date digits (and the sequence) of an ID number."""
    if not number:
        return ""
    return number[:6] + "********" + number[14:]


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    if len(phone) == 11 and phone.isdigit():
        return phone[:3] + "****" + phone[7:]
    if len(phone) > 4:
        return phone[:-4].rstrip("0123456789") + "****" + phone[-4:]
    return phone
