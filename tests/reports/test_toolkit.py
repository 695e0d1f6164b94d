import datetime as dt

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


def test_long_table_wraps_english_at_spaces_and_chinese_anywhere():
    from app.reports.toolkit import LongTable

    table = LongTable(["h"], [], [60], font_size=8)
    assert table._wrap("Found by a grid worker", 60) == ["Found by a", "grid worker"]
    assert table._wrap("Basically satisfied", 60) == ["Basically", "satisfied"]
    assert all(len(line) < 9 for line in table._wrap("社会保险和医疗保险事务咨询", 60))
    assert "".join(table._wrap("社会保险和医疗保险事务咨询", 60)) == "社会保险和医疗保险事务咨询"
    long_word = table._wrap("Supercalifragilisticexpialidocious", 60)
    assert "".join(long_word) == "Supercalifragilisticexpialidocious" and len(long_word) > 1
