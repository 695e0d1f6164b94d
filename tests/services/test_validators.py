import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.services.validators import (KIND_FOREIGN_PR, KIND_HMT, KIND_MAINLAND, InvalidValue, check_char,
                                     mask_id_number, mask_phone, normalise_phone, normalise_text,
                                     parse_id_number)

TODAY = dt.date(2026, 11, 27)


def make_id(prefix6: str, birth: dt.date, seq: int) -> str:
    first17 = f"{prefix6}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def test_known_valid_number_gives_birth_date_and_gender():
    info = parse_id_number("11010519491231002X", TODAY)
    assert info.number == "11010519491231002X"
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.gender == "F"  # 17th digit 2 is even
    assert info.kind == KIND_MAINLAND


def test_lowercase_x_spaces_and_fullwidth_x_are_accepted():
    assert parse_id_number(" 110105 19491231 002x ", TODAY).number == "11010519491231002X"
    assert parse_id_number("11010519491231002Ｘ", TODAY).number == "11010519491231002X"


def test_odd_sequence_digit_is_male():
    number = make_id("350581", dt.date(1980, 5, 1), 123)
    assert parse_id_number(number, TODAY).gender == "M"


def test_wrong_check_digit_is_refused_with_a_reason():
    with pytest.raises(InvalidValue, match="校验码"):
        parse_id_number("110105194912310021", TODAY)


@pytest.mark.parametrize("raw, words", [
    ("1101051949123100", "18 位"),
    ("11010519491231002X1", "18 位"),
    ("1101051949123100XX", "只有最后一位"),
    ("00010519491231002X", "地区代码"),
    ("110105194913310020", "不是有效日期"),
    ("110105203012310020", "不可能"),
])
def test_malformed_numbers_say_what_is_wrong(raw, words):
    with pytest.raises(InvalidValue, match=words):
        parse_id_number(raw, TODAY)


def test_fifteen_digit_number_is_upgraded_to_eighteen():
    info = parse_id_number("110105491231002", TODAY)
    assert info.number == "11010519491231002X"
    assert info.upgraded
    assert info.birth_date == dt.date(1949, 12, 31)


@pytest.mark.parametrize("prefix, kind", [("810000", KIND_HMT), ("820000", KIND_HMT),
                                          ("830000", KIND_HMT), ("935156", KIND_FOREIGN_PR)])
def test_residence_permits_and_foreigner_cards_use_the_same_check_digit(prefix, kind):
    number = make_id(prefix, dt.date(1990, 7, 15), 37)
    info = parse_id_number(number, TODAY)
    assert info.kind == kind and info.birth_date == dt.date(1990, 7, 15)
    bad = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(InvalidValue):
        parse_id_number(bad, TODAY)


regions = st.sampled_from(["110105", "350581", "350582", "520221", "650102", "810000", "830000", "935156"])
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)
valid_ids = st.builds(make_id, regions, births, st.integers(0, 999))


@given(valid_ids)
def test_every_generated_valid_number_passes(number):
    info = parse_id_number(number, TODAY)
    assert info.number == number
    assert info.birth_date == dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


@settings(max_examples=300)
@given(valid_ids, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_every_single_character_change_fails(number, position, char):
    if number[position] == char:
        char = "0" if char != "0" else "1"
    changed = number[:position] + char + number[position + 1:]
    with pytest.raises(InvalidValue):
        parse_id_number(changed, TODAY)


@pytest.mark.parametrize("raw, stored", [
    ("13812345678", "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("+86 13812345678", "13812345678"),
    ("0595-88881234", "0595-88881234"),
    ("059588881234", "0595-88881234"),
    ("(0595) 8888-1234", "0595-88881234"),
    ("010-62345678", "010-62345678"),
    ("02188881234", "021-88881234"),
    ("0595-88881234转801", "0595-88881234-801"),
])
def test_phone_numbers_are_normalised(raw, stored):
    assert normalise_phone(raw) == stored


@pytest.mark.parametrize("raw", ["", "12345", "1381234567", "138123456789", "23812345678",
                                 "88881234", "0595-0888123", "abc", "0595-88881234-1234567"])
def test_bad_phone_numbers_are_refused(raw):
    with pytest.raises(InvalidValue, match="11 位手机号"):
        normalise_phone(raw)


@given(st.from_regex(r"\A1[3-9][0-9]{9}\Z"))
def test_generated_mobiles_pass_and_normalising_is_stable(mobile):
    assert normalise_phone(mobile) == mobile
    assert normalise_phone(normalise_phone(mobile)) == mobile


def test_masking_hides_birth_date_and_middle_of_phone():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0595-88881234") == "0595-****1234"


def test_full_width_digits_from_a_chinese_input_method_are_accepted():
    assert parse_id_number("１１０１０５１９４９１２３１００２Ｘ", TODAY).number == "11010519491231002X"
    assert normalise_phone("１３８１２３４５６７８") == "13812345678"
    assert normalise_phone("（0595）88881234") == "0595-88881234"


@given(st.text(max_size=25))
def test_any_text_gives_a_result_or_a_message_never_another_error(text):
    for check in (lambda: parse_id_number(text, TODAY), lambda: normalise_phone(text)):
        try:
            check()
        except InvalidValue:
            pass


FULL_WIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)} | {0x20: 0x3000}  # what a 全角 input method types


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30))
def test_normalise_text_turns_full_width_input_back_into_ascii(text):
    assert normalise_text(text.translate(FULL_WIDTH)) == text
    assert normalise_text(text) == text


def test_normalise_text_maps_compatibility_ideographs_and_keeps_rare_characters():
    assert normalise_text("\uf90a小红") == "金小红"         # U+F90A, the compatibility form of 金
    assert normalise_text("王䶮 李𠇔 陈𪨶华") == "王䶮 李𠇔 陈𪨶华"  # Ext-A, B, C are left alone
    assert normalise_text(None) == ""


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
       st.sampled_from(["", "+86", "+86 ", "0086", "0086-"]), st.sampled_from([" ", "-", ""]))
def test_a_mobile_typed_any_usual_way_normalises_to_its_eleven_digits(mobile, prefix, sep):
    typed = prefix + sep.join((mobile[:3], mobile[3:7], mobile[7:]))
    assert normalise_phone(typed) == mobile
    assert normalise_phone(typed.translate(FULL_WIDTH)) == mobile


# -- 统一社会信用代码 (GB 32100) -----------------------------------------------------------------

def test_credit_codes_published_as_samples_pass():
    from app.services.validators import check_credit_code, credit_code_check_char

    for code in ("91350100M000100Y43", "91110000600037341L", "911100001000079554"):
        assert check_credit_code(code) == code
        assert credit_code_check_char(code[:17]) == code[17]
    assert check_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert check_credit_code("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"


def test_a_credit_code_with_a_wrong_length_letter_or_check_character_is_refused():
    from app.services.validators import InvalidValue, check_credit_code

    for bad in ("", "91350100M000100Y4", "91350100M000100Y433", "91350100M000100O43", "91350100M000100Y44",
                "91350100M000100Y34"):
        with pytest.raises(InvalidValue):
            check_credit_code(bad)


def test_names_keep_their_chinese_punctuation_and_lose_full_width_letters():
    from app.services.validators import tidy_text

    assert tidy_text("  阿婆糕点铺（二店）\u3000ＡＢ１２  ") == "阿婆糕点铺（二店） AB12"
    assert tidy_text("门口插座，随时可用。") == "门口插座，随时可用。"
    assert tidy_text(None) == ""
