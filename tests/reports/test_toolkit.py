import datetime as dt

import pytest
from reportlab.lib.units import mm

from app.reports import toolkit
from tests.reports.conftest import all_font_names, embedded_fonts, pdf_text

LETTERHEAD = toolkit.Letterhead("莲坂村党建+邻里中心", printed_on=dt.date(2026, 11, 27))


def test_pages_carry_centre_title_printed_date_and_page_x_of_y():
    rows = [[str(i), "宝源花园 3栋 2单元 301室"] for i in range(120)]
    story = toolkit.title_block("测试表") + [toolkit.data_table(["序号", "住址"], rows, [20 * mm, 80 * mm])]
    pages = pdf_text(toolkit.build_pdf("测试表", story, LETTERHEAD))
    assert len(pages) > 1
    for number, text in enumerate(pages, 1):
        assert "莲坂村党建+邻里中心" in text
        assert "打印日期：2026年11月27日" in text
        assert f"第 {number} 页 / 共 {len(pages)} 页" in text
        assert "序号" in text  # the header row repeats on every page


def test_only_the_bundled_font_is_used_and_it_is_embedded_as_a_subset():
    pdf = toolkit.build_pdf("表", toolkit.title_block("居民") + [toolkit.signature_block(100 * mm)], LETTERHEAD)
    fonts = all_font_names(pdf)
    assert fonts == embedded_fonts(pdf)
    assert all(name.split("+", 1)[1].startswith("WenQuanYiMicroHei") for name in fonts)
    assert all(len(name.split("+", 1)[0]) == 7 for name in fonts)  # "AAAAAA+" marks a subset


def test_rare_characters_add_exactly_the_bundled_fallback_fonts_embedded_as_subsets():
    # 䶮 U+4DAE (Ext-A) is in RareHanA, 𠇔 U+201D4 (Ext-B) in RareHanB; nothing else may appear
    pdf = toolkit.build_pdf("表", toolkit.title_block("王䶮 李𠇔") + [toolkit.signature_block(100 * mm)], LETTERHEAD)
    fonts = all_font_names(pdf)
    assert fonts == embedded_fonts(pdf)
    assert {name.split("+", 1)[1] for name in fonts} == {"WenQuanYiMicroHei-0", "RareHanA", "RareHanB"}
    assert all(len(name.split("+", 1)[0]) == 7 for name in fonts)


def test_long_chinese_text_wraps_inside_its_cell():
    text = "很长的地址" * 30
    story = [toolkit.data_table(["住址"], [[text]], [40 * mm])]
    page = pdf_text(toolkit.build_pdf("表", story, LETTERHEAD))[0]
    assert "".join(page.split()).count("很长的地址") == 30


def test_signature_block_has_the_four_fields():
    page = pdf_text(toolkit.build_pdf("表", [toolkit.signature_block(180 * mm)], LETTERHEAD))[0]
    for label in ("经办人：", "负责人：", "盖章：", "日期："):
        assert label in page


def test_qr_drawing_has_the_requested_size():
    drawing = toolkit.qr_drawing("ND:K7Q4M2XP", 25 * mm)
    assert (drawing.width, drawing.height) == (25 * mm, 25 * mm)


def test_a_qr_code_is_drawn_as_one_path_of_exactly_its_dark_modules():
    import io

    from reportlab.graphics.barcode import qrencoder
    from reportlab.pdfgen.canvas import Canvas

    size = 25 * mm
    code = toolkit.qr_drawing("ND:K7Q4M2XP", size)
    canvas = Canvas(io.BytesIO())
    paths = []
    canvas.drawPath = lambda path, **kw: paths.append((path, kw))
    code.drawOn(canvas, 0, 0)
    assert len(paths) == 1 and paths[0][1] == {"stroke": 0, "fill": 1}
    expected = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    expected.addData("ND:K7Q4M2XP")
    expected.make()
    count = expected.getModuleCount()
    box = size / (count + 8)  # a quiet zone of four modules on each side
    dark = set()
    words = paths[0][0].getCode().split()
    assert words[0] == "n" and len(words) % 5 == 1
    for at in range(1, len(words), 5):
        x, y, w, h, name = words[at:at + 5]
        assert name == "re" and abs(float(h) - box) < 1e-3
        row = round((size - float(y)) / box) - 5
        first = round(float(x) / box) - 4
        dark.update((row, c) for c in range(first, first + round(float(w) / box)))
    assert dark == {(r, c) for r in range(count) for c in range(count) if expected.modules[r][c]}


def test_long_table_wraps_english_at_spaces_and_chinese_anywhere():
    from app.reports.toolkit import LongTable

    table = LongTable(["h"], [], [60], font_size=8)
    assert table._wrap("Found by a grid worker", 60) == ["Found by a", "grid worker"]
    assert table._wrap("Basically satisfied", 60) == ["Basically", "satisfied"]
    assert all(len(line) < 9 for line in table._wrap("社会保险和医疗保险事务咨询", 60))
    assert "".join(table._wrap("社会保险和医疗保险事务咨询", 60)) == "社会保险和医疗保险事务咨询"
    long_word = table._wrap("Supercalifragilisticexpialidocious", 60)
    assert "".join(long_word) == "Supercalifragilisticexpialidocious" and len(long_word) > 1


# -- rare characters (生僻字) -----------------------------------------------------------------------
# 䶮 U+4DAE is CJK Ext-A, 𠇔 U+201D4 Ext-B, 𪨶 U+2AA36 Ext-C, 𱍐 U+31350 Ext-G (in no bundled font).

RARE_NAMES = ["王䶮", "李𠇔", "陈𪨶华"]


def flat(pages: list[str]) -> str:
    return "".join("".join(pages).split())


def test_runs_split_text_by_the_font_that_has_each_character():
    assert toolkit.runs("蔡良剑 Tom") == [(toolkit.FONT, "蔡良剑 Tom")]
    assert toolkit.runs("王䶮李𠇔𪨶华") == [(toolkit.FONT, "王"), ("RareHanA", "䶮"), (toolkit.FONT, "李"),
                                        ("RareHanB", "𠇔𪨶"), (toolkit.FONT, "华")]
    assert toolkit.runs("王\U00031350") == [(toolkit.FONT, "王〓")]  # Ext-G: no bundled font has it
    assert toolkit.runs("葛\U000E0100") == [(toolkit.FONT, "葛")]  # a variation selector draws nothing


def test_rare_characters_print_wherever_text_is_drawn():
    from reportlab.platypus import Table

    def on_canvas(canv):
        canv.setFont(toolkit.FONT, 10)
        canv.drawString(0, 40, "左李𠇔")
        canv.drawRightString(200, 20, "右陈𪨶华")
        canv.drawCentredString(100, 0, "中王䶮")

    letterhead = toolkit.Letterhead("䶮村𠇔党建+邻里中心", printed_on=dt.date(2026, 11, 27))
    story = toolkit.title_block("名册王䶮", "李𠇔") + [
        toolkit.data_table(["姓名", "住址"], [[name, name * 12] for name in RARE_NAMES], [30 * mm, 40 * mm]),
        toolkit.field_table([("姓名", name) for name in RARE_NAMES], 180 * mm),
        Table([RARE_NAMES]),  # reportlab's own table, plain strings
        toolkit.LongTable(["姓名", "备注"], [[name, name * 8] for name in RARE_NAMES], [30 * mm, 30 * mm]),
        toolkit.DrawOnPage(200, 50, on_canvas),
    ]
    pdf = toolkit.build_pdf("名册王䶮", story, letterhead)
    text = flat(pdf_text(pdf))
    for expected in ("䶮村𠇔党建+邻里中心", "名册王䶮", "李𠇔", "左李𠇔", "右陈𪨶华", "中王䶮"):
        assert expected in text, expected
    for name in RARE_NAMES:
        assert text.count(name) >= 5, name  # data table, field table, Table, LongTable and the wrapped cells
    assert text.count("陈𪨶华" * 4) >= 1  # wrapped cells keep every character
    assert pdf.missing_glyphs == 0


def test_a_character_no_font_has_prints_as_a_placeholder_and_is_counted_without_the_name(caplog):
    import logging

    caplog.set_level(logging.WARNING)
    story = toolkit.title_block("王\U00031350") + [toolkit.LongTable(["姓名"], [["李\U00031350"]], [30 * mm])]
    pdf = toolkit.build_pdf("表", story, LETTERHEAD)
    assert pdf.missing_glyphs == 2
    text = flat(pdf_text(pdf))
    assert "王〓" in text and "李〓" in text
    [record] = [r for r in caplog.records if r.name == "app.reports.toolkit"]
    assert "2" in record.getMessage()
    assert not any(ch in record.getMessage() for ch in "王李\U00031350")
    assert toolkit.build_pdf("表", toolkit.title_block("王"), LETTERHEAD).missing_glyphs == 0  # counted per PDF


def test_text_width_measures_rare_characters_in_their_own_font():
    from reportlab.pdfbase import pdfmetrics

    toolkit.runs("䶮")  # loads the fallbacks
    assert toolkit.text_width("王䶮", 10) == pytest.approx(
        pdfmetrics.stringWidth("王", toolkit.FONT, 10) + pdfmetrics.stringWidth("䶮", "RareHanA", 10))


# -- English wraps at spaces ------------------------------------------------------------------------

def split_words(pages: list[str], words: set[str]) -> list[tuple[str, str]]:
    """Consecutive lines where a known word was broken across the line end."""
    import re

    out = []
    for page in pages:
        lines = page.split("\n")
        for first, second in zip(lines, lines[1:]):
            tail, head = re.search(r"[A-Za-z]+$", first), re.match(r"[A-Za-z]+", second)
            if tail and head and tail.group() + head.group() in words:
                out.append((first, second))
    return out


def test_english_text_wraps_at_spaces_and_chinese_between_characters(english):
    texts = ["Average working days to resolve", "Resolved within the grid", "Needs escalating to the town",
             "Satisfaction of the residents who were followed up"]
    story = [toolkit.field_table([(text, "12") for text in texts], 180 * mm, columns=4),
             toolkit.data_table(["Kind of request", "Request"], [[text, text] for text in texts], [22 * mm, 30 * mm]),
             toolkit.data_table(["住址"], [["很长的地址" * 6]], [25 * mm])]
    pages = pdf_text(toolkit.build_pdf("Form", story, LETTERHEAD))
    assert split_words(pages, {word for text in texts for word in text.split()}) == []
    assert "很长的地址" * 6 in flat(pages)
    assert len(pages[0].split("\n")) > 20  # and it did wrap


def test_the_wrap_follows_the_text_not_the_language(english):
    s = toolkit.styles()
    assert s["body"].wordWrap is None  # English interface: a form's own paragraphs wrap at spaces
    assert toolkit.wrap_style("宝源花园", s["cell"]).wordWrap == "CJK"
    assert toolkit.wrap_style("Baoyuan Garden", s["cell"]).wordWrap is None
    assert toolkit.wrap_style("宝源花园", s["cell"]) is toolkit.wrap_style("宝源花园", s["cell"])  # made once


def test_long_table_sets_a_word_wider_than_its_cell_smaller_instead_of_cutting_it():
    from app.reports.toolkit import LongTable

    table = LongTable(["Gender"], [["Female"]], [11 * mm], font_size=8.5)
    assert table.head_lines == [["Gender"]] and table.lines == [[["Female"]]]
    assert table._wrap("(escalated)", 12 * mm) == ["(escalated)"] and table._wrap("(escalated)", 12 * mm)[0].size < 8.5
    assert table._wrap("Centre (escalated)", 12 * mm) == ["Centre", "(escalated)"]


def test_a_sign_in_sheet_row_grows_to_hold_its_text_and_keeps_its_height_otherwise():
    """A child with four pick-up adults wrote over the next child's row when every row had one
    height (the session sheet)."""
    s = toolkit.styles()
    adults = toolkit.paragraph("蔡文福（父亲）、蔡宇（母亲）、黄玉碧（保姆）、曾欣雪（外婆）", s["small"])
    data = [["序号", "姓名", "可接送人"], ["1", "蔡欣玲", adults], ["2", "陈斌祥", ""]]
    widths = [12 * mm, 30 * mm, 30 * mm]
    table = toolkit.sign_in_table(data, widths, 9 * mm, padding=3)
    table.wrap(sum(widths), 200 * mm)
    text_height = adults.wrap(widths[2] - 6, 200 * mm)[1]
    assert table._rowHeights[1] >= text_height + 6 > 9 * mm
    assert table._rowHeights[2] == 9 * mm
