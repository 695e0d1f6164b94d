
import pytest

from app.services import grids, residents, residents_print, tags
from app.services.residents import ResidentInput
from tests.reports.conftest import all_font_names, embedded_fonts, pdf_text
from tests.conftest import ADMIN

ID = "11010519491231002X"


@pytest.fixture
def people(db):
    from app.services import centre

    centre.save_centre(db, centre.CentreInfo("莲坂村党建+邻里中心", "石狮市祥芝镇莲坂村", "0595-88881234"), actor=ADMIN)
    tags.ensure_default_tags(db, actor=ADMIN)
    root = grids.add_grid(db, None, "莲坂村", actor=ADMIN)
    grid = grids.add_grid(db, root, "第一网格", "林燕", "13900000000", actor=ADMIN)
    sub = grids.add_grid(db, grid, "一组", "黄鹏强", "13911112222", actor=ADMIN)
    elder = tags.list_tags(db)[0].id
    cai = residents.add_resident(db, ResidentInput(
        name="蔡良剑", id_number=ID, phone="13812345678", estate="宝源花园", building="3", unit="2",
        room="301", grid_id=sub, tag_ids=[elder], notes="独居，每周回访"), actor=ADMIN)
    wife = residents.add_resident(db, ResidentInput(name="王秀英", phone="0595-88881234", grid_id=sub), actor=ADMIN)
    residents.link_family(db, cai, wife, "spouse", actor=ADMIN)
    return {"cai": cai, "wife": wife, "sub": sub, "grid": grid, "elder": elder}


def test_registration_form_shows_every_field_and_a_consent_line(db, people):
    pdf = residents_print.registration_pdf(db, people["cai"])
    [page] = pdf_text(pdf)
    flat = "".join(page.split())
    code = residents.get_resident(db, people["cai"]).member_code
    for value in ("居民信息登记表", "蔡良剑", "女", "1949年12月31日", "居民身份证", ID, "13812345678", code,
                  "宝源花园", "3/2/301", "莲坂村/第一网格/一组", "黄鹏强13911112222", "老年人", "在册",
                  "独居，每周回访", "配偶", "王秀英", "0595-88881234", "居民（或监护人）签名", "经办人",
                  "第1页/共1页"):
        assert value in flat, value
    assert any("WenQuanYiMicroHei" in f for f in embedded_fonts(pdf))


def test_roster_masks_id_numbers_and_phones(db, people):
    pdf = residents_print.roster_pdf(db, residents_print.ResidentFilter())
    text = "".join("".join(pdf_text(pdf)).split())
    assert "110105********002X" in text and "138****5678" in text and "0595-****1234" in text
    assert ID not in text and "13812345678" not in text
    assert "全部居民·共2人" in text


def test_roster_filters_by_grid_including_sub_grids_and_by_tag(db, people):
    by_grid = "".join("".join(pdf_text(residents_print.roster_pdf(db, residents_print.ResidentFilter(grid_id=people["grid"])))).split())
    assert "蔡良剑" in by_grid and "王秀英" in by_grid and "第一网格·共2人" in by_grid
    by_tag = "".join("".join(pdf_text(residents_print.roster_pdf(db, residents_print.ResidentFilter(tag_id=people["elder"])))).split())
    assert "蔡良剑" in by_tag and "王秀英" not in by_tag


def test_an_empty_roster_says_so(db, people):
    text = "".join(pdf_text(residents_print.roster_pdf(db, residents_print.ResidentFilter(estate="没有的小区")))[0].split())
    assert "没有符合筛选条件的居民" in text


def test_member_cards_carry_the_member_code_never_the_id_number(db, people, monkeypatch):
    from app.reports import toolkit

    payloads = []
    real = toolkit.qr_drawing
    monkeypatch.setattr(toolkit, "qr_drawing", lambda payload, size: payloads.append(payload) or real(payload, size))
    ids = [people["cai"]] * 9  # nine cards: two sheets of eight
    pdf = residents_print.member_cards_pdf(db, ids)
    pages = pdf_text(pdf)
    code = residents.get_resident(db, people["cai"]).member_code
    assert len(pages) == 2
    assert pages[0].count(code) == 8 and pages[1].count(code) == 1
    assert "蔡良剑" in pages[0] and "照片" in pages[0]
    assert payloads == [f"ND:{code}"] * 9
    assert ID not in "".join(pages) and all(ID[-6:] not in p for p in payloads)
    # The QR drawing once pulled an unembedded Helvetica into every card sheet.
    assert all_font_names(pdf) == embedded_fonts(pdf)


def test_member_cards_need_someone(db, people):
    from app.errors import ValidationError

    with pytest.raises(ValidationError):
        residents_print.member_cards_pdf(db, [])


def test_member_cards_carry_the_issue_date_and_the_centres_service_phone(db, people):
    import datetime as dt

    pages = pdf_text(residents_print.member_cards_pdf(db, [people["cai"], people["wife"]] * 5,
                                                      today=dt.date(2026, 11, 27)))
    flat = ["".join(page.split()) for page in pages]
    assert [page.count("服务电话：0595-88881234") for page in flat] == [8, 2]
    assert [page.count("发卡日期：2026年11月27日") for page in flat] == [8, 2]


def test_member_cards_without_a_centre_phone_leave_it_out(db, people, english):
    import datetime as dt

    from app.services import centre

    centre.save_centre(db, centre.CentreInfo("莲坂村党建+邻里中心"), actor=ADMIN)
    [page] = pdf_text(residents_print.member_cards_pdf(db, [people["cai"]], today=dt.date(2026, 11, 27)))
    assert "Service phone" not in page and "Issued on: Nov 27, 2026" in page


# 䶮 U+4DAE is CJK Ext-A, 𠇔 U+201D4 Ext-B, 𪨶 U+2AA36 Ext-C: the bundled font has none of them.
RARE_NAMES = ("王䶮", "李𠇔", "陈𪨶华")


@pytest.fixture
def rare(db, people):
    return [residents.add_resident(db, ResidentInput(name=name, phone="13912345678", estate="𠇔村花园"), actor=ADMIN)
            for name in RARE_NAMES]


def test_rare_characters_print_on_the_roster_registration_form_and_member_cards(db, people, rare):
    roster = residents_print.roster_pdf(db, residents_print.ResidentFilter())
    text = "".join("".join(pdf_text(roster)).split())
    for name in RARE_NAMES:
        assert f"{name}" in text, name
    assert text.count("𠇔村花园") == 3 and roster.missing_glyphs == 0
    assert {font.split("+", 1)[1] for font in embedded_fonts(roster)} == {"WenQuanYiMicroHei-0", "RareHanA", "RareHanB"}
    assert all_font_names(roster) == embedded_fonts(roster)
    for rid, name in zip(rare, RARE_NAMES):
        page = "".join(pdf_text(residents_print.registration_pdf(db, rid))[0].split())
        assert f"姓名{name}" in page and "𠇔村花园" in page, name
    cards = "".join("".join(pdf_text(residents_print.member_cards_pdf(db, rare))).split())
    assert all(name in cards for name in RARE_NAMES)


def test_an_english_roster_never_breaks_a_word(db, people, english):
    import re

    pages = pdf_text(residents_print.roster_pdf(db, residents_print.ResidentFilter()))
    words = {"No", "Name", "Gender", "Age", "ID", "number", "Phone", "Address", "Grid", "Tags", "Female", "Male"}
    broken = []
    for page in pages:
        lines = page.split("\n")
        for first, second in zip(lines, lines[1:]):
            tail, head = re.search(r"[A-Za-z]+$", first), re.match(r"[A-Za-z]+", second)
            if tail and head and tail.group() + head.group() in words:
                broken.append((first, second))
    assert broken == []
    assert "Gender" in pages[0] and "Female" in pages[0]  # 蔡良剑 (王秀英 has no gender on record)
