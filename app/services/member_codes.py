"""Member codes: short, random, readable codes for member cards and QR scanning.

A code says nothing about the person (unlike an ID number), so a lost card
leaks nothing. Crockford's alphabet avoids letters that look like digits.
"""
from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8
QR_PREFIX = "ND:"  # what a member card's QR code carries: ND:<code>


def new_member_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def qr_payload(code: str) -> str:
    return QR_PREFIX + code


def code_from_scan(text: str) -> str | None:
    """The member code in a scanned or typed text ("ND:K7Q4M2XP" or "K7Q4M2XP")."""
    text = text.strip().upper()
    if text.startswith(QR_PREFIX):
        text = text[len(QR_PREFIX):]
    if len(text) == LENGTH and all(ch in ALPHABET for ch in text):
        return text
    return None
