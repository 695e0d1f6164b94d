import io

from pypdf import PdfReader


def pdf_text(pdf: bytes) -> list[str]:
    """The text of each page, as a reader would get it."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def embedded_fonts(pdf: bytes) -> set[str]:
    """Base names of the fonts whose program is embedded in the file."""
    found = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None and any(k in descriptor.get_object() for k in
                                              ("/FontFile", "/FontFile2", "/FontFile3")):
                found.add(str(font["/BaseFont"]))
    return found


def all_font_names(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        names |= {str(ref.get_object()["/BaseFont"]) for ref in fonts.values()}
    return names
