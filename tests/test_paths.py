import codecs
import ntpath
import re
import sqlite3
import sys
from pathlib import Path, PureWindowsPath

import platformdirs
import platformdirs.windows
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from app import APP_ID, __version__, paths
from app import db as database
from app.services import importer, spreadsheet
from app.services.spreadsheet import ImportFileError
from tests.services.sheets import write_csv, write_xlsx

ROOT = Path(__file__).resolve().parent.parent
ISS = ROOT / "installer" / "NeighbourhoodDesk.iss"
PS1 = ROOT / "installer" / "build-windows.ps1"
LOCAL_APPDATA = r"C:\Users\林燕\AppData\Local"


def test_resources_are_found_from_the_source_tree():
    assert paths.resource_path("fonts", "wqy-microhei.ttc").is_file()
    assert paths.resource_path("fonts", "LICENSE-Apache-2.0.txt").is_file()


def test_resources_are_found_inside_a_pyinstaller_bundle(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.resource_path("fonts", "x.ttc") == tmp_path / "resources" / "fonts" / "x.ttc"


def test_default_database_lives_in_the_user_data_folder(user_folders):
    path = paths.default_database_path()
    assert str(path).startswith(str(user_folders))
    assert path.parent.is_dir()


# -- the same helpers with Windows paths ---------------------------------------------------------

@pytest.fixture
def windows(monkeypatch):
    """app.paths joins paths as Windows does (PureWindowsPath), and platformdirs answers with its
    Windows implementation, its known folders those of a user named 林燕."""
    monkeypatch.setattr(paths, "Path", PureWindowsPath)
    monkeypatch.setattr(platformdirs, "PlatformDirs", platformdirs.windows.Windows)
    folders = {"CSIDL_LOCAL_APPDATA": LOCAL_APPDATA, "CSIDL_APPDATA": r"C:\Users\林燕\AppData\Roaming"}
    monkeypatch.setattr(platformdirs.windows, "get_win_folder", lambda name: folders[name])
    return folders


@pytest.mark.parametrize("bundle", [
    r"C:\Users\林燕\AppData\Local\Temp\_MEI123",                          # a one-file bundle unpacks here
    r"C:\Users\林燕\AppData\Local\Programs\NeighbourhoodDesk\_internal",  # the installed folder bundle
    r"\\前台电脑\共享\NeighbourhoodDesk\_internal",                          # started from a network share
])
def test_resources_inside_a_windows_bundle(windows, monkeypatch, bundle):
    monkeypatch.setattr(sys, "_MEIPASS", bundle, raising=False)
    found = paths.resource_path("fonts", "wqy-microhei.ttc")
    assert found == PureWindowsPath(bundle, "resources", "fonts", "wqy-microhei.ttc")
    assert str(found) == bundle + r"\resources\fonts\wqy-microhei.ttc"
    assert str(paths.resource_path("locale")) == bundle + r"\resources\locale"


def test_data_folder_on_windows_is_local_appdata(windows):
    folder = paths.data_folder()
    assert folder == PureWindowsPath(LOCAL_APPDATA, APP_ID)
    assert str(folder) == r"C:\Users\林燕\AppData\Local\NeighbourhoodDesk"  # no author folder, not roaming
    assert str(folder / "desk.sqlite3") == r"C:\Users\林燕\AppData\Local\NeighbourhoodDesk\desk.sqlite3"


@pytest.mark.parametrize("path, uri", [
    (r"C:\Users\林燕\AppData\Local\NeighbourhoodDesk\desk.sqlite3",
     "file:///C:/Users/%E6%9E%97%E7%87%95/AppData/Local/NeighbourhoodDesk/desk.sqlite3"),
    # A shared database on another desk's PC: an empty URI authority, or SQLite refuses "前台电脑".
    (r"\\前台电脑\共享\desk.sqlite3",
     "file:////%E5%89%8D%E5%8F%B0%E7%94%B5%E8%84%91/%E5%85%B1%E4%BA%AB/desk.sqlite3"),
    (r"D:\数据 100%#1\desk.sqlite3", "file:///D:/%E6%95%B0%E6%8D%AE%20100%25%231/desk.sqlite3"),
])
def test_sqlite_uri_of_windows_paths(path, uri):
    assert paths.sqlite_file_uri(PureWindowsPath(path)) == uri


def test_database_in_a_folder_with_chinese_and_url_characters(tmp_path, monkeypatch):
    folder = tmp_path / "林燕的 数据 100%41 #1 a?b"
    folder.mkdir()
    path = folder / "desk.sqlite3"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE alembic_version (version_num TEXT)")
    con.execute("INSERT INTO alembic_version VALUES ('abc123')")
    con.commit()
    con.close()
    assert database._sqlite_revision(path) == "abc123"  # opened read-only through its URI
    assert make_url(database.sqlite_url(path)).database == str(path.resolve())
    monkeypatch.chdir(folder)
    relative = sqlite3.connect(paths.sqlite_file_uri("desk.sqlite3") + "?mode=ro", uri=True)
    assert relative.execute("SELECT version_num FROM alembic_version").fetchone() == ("abc123",)
    relative.close()


def test_migrations_run_from_a_folder_with_a_percent_sign(monkeypatch):
    where = PureWindowsPath(r"C:\Users\林燕\软件 100%\NeighbourhoodDesk\_internal\app\migrations")
    monkeypatch.setattr(database, "MIGRATIONS_DIR", where)
    assert database._alembic_config().get_main_option("script_location") == str(where)


# -- safe file names ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, name", [
    ("居民信息登记表-欧阳娜娜.pdf", "居民信息登记表-欧阳娜娜.pdf"),
    ("受理回执-FW202611-0042.pdf", "受理回执-FW202611-0042.pdf"),
    ("花名册 (第一网格).xlsx", "花名册 (第一网格).xlsx"),
    ("张三/李四.pdf", "张三_李四.pdf"),
    ('a<b>c:d"e/f\\g|h?i*j.pdf', "a_b_c_d_e_f_g_h_i_j.pdf"),
    ("第一网格 / 一组.pdf", "第一网格 _ 一组.pdf"),
    ("林燕\t\n王芳.pdf", "林燕_王芳.pdf"),
    ("  张三. . ", "张三"),
    ("张三.", "张三"),
    ("CON", "_CON"), ("con.pdf", "_con.pdf"), ("Nul.tar.gz", "_Nul.tar.gz"), ("CON .txt", "_CON .txt"),
    ("prn.xlsx", "_prn.xlsx"), ("aux", "_aux"), ("COM1.pdf", "_COM1.pdf"), ("lpt9", "_lpt9"),
    ("COM¹.pdf", "_COM¹.pdf"), ("CONIN$", "_CONIN$"),
    ("CONSOLE.pdf", "CONSOLE.pdf"), ("COM10.pdf", "COM10.pdf"), ("NULL.txt", "NULL.txt"), ("con-list.pdf", "con-list.pdf"),
    ("", "file"), ("...", "file"), ("   ", "file"), ("/", "_"),
])
def test_safe_file_name(text, name):
    assert paths.safe_file_name(text) == name


@pytest.mark.parametrize("character", list('<>:"/\\|?*') + [chr(c) for c in range(32)])
def test_safe_file_name_replaces_every_forbidden_character(character):
    name = paths.safe_file_name(f"王{character}芳.pdf")
    assert name == "王_芳.pdf"


def test_safe_file_name_cuts_a_long_name_before_its_extension():
    name = paths.safe_file_name("居民" * 200 + ".xlsx")
    assert len(name) == paths.MAX_FILE_NAME and name.startswith("居民居民") and name.endswith("居.xlsx")
    assert paths.safe_file_name("", default="form.pdf") == "form.pdf"


@given(st.text(max_size=300))
def test_safe_file_name_is_always_a_windows_file_name(text):
    name = paths.safe_file_name(text)
    assert name and len(name) <= paths.MAX_FILE_NAME
    assert not set(name) & set('<>:"/\\|?*') and all(ord(c) >= 32 for c in name)
    assert not name.endswith((".", " "))
    assert PureWindowsPath(name).name == name  # one name, no folder in it
    if hasattr(ntpath, "isreserved"):  # Python 3.13+
        assert not ntpath.isreserved(name)


# -- file types are told apart without regard to case -------------------------------------------

ROWS = [["姓名", "身份证号", "联系电话"], ["林燕", "110101199003074514", "13800138000"]]


def test_spreadsheets_are_recognised_whatever_the_case_of_their_suffix(tmp_path):
    files = [write_xlsx(tmp_path / "LEDGER.XLSX", ROWS), write_csv(tmp_path / "名单.CSV", ROWS, encoding="gbk"),
             write_csv(tmp_path / "名单.Txt", ROWS), write_csv(tmp_path / "名单.TSV", ROWS, delimiter="\t")]
    for path in files:
        preview = importer.preview_file(path)
        assert preview.headers[:3] == ["姓名", "身份证号", "联系电话"], path.name
        assert preview.rows[0][0] == "林燕"


@pytest.mark.parametrize("upper, lower", [("假的.XLSX", "假的.xlsx"), ("名单.PDF", "名单.pdf")])
def test_refusals_do_not_depend_on_the_case_of_the_suffix(tmp_path, upper, lower):
    messages = []
    for name in (upper, lower):
        (tmp_path / name).write_text("姓名,身份证号\n", encoding="utf-8")
        with pytest.raises(ImportFileError) as refused:
            importer.preview_file(tmp_path / name)
        messages.append(refused.value.message.replace(name, "FILE"))
    assert messages[0] == messages[1]


def test_rejects_file_beside_a_windows_file(monkeypatch):
    monkeypatch.setattr(spreadsheet, "Path", PureWindowsPath)
    assert spreadsheet.default_rejects_path(r"D:\台账\名单.CSV") == PureWindowsPath(r"D:\台账\名单-错误清单.xlsx")


# -- the installer agrees with the program ------------------------------------------------------

def _iss() -> str:
    return ISS.read_text(encoding="utf-8-sig")


def _section(name: str) -> list[str]:
    found = re.search(rf"^\[{name}\]\n(.*?)(?=^\[|\Z)", _iss(), re.MULTILINE | re.DOTALL)
    assert found, f"[{name}] is missing"
    return [line for line in found.group(1).splitlines() if line.strip() and not line.startswith(";")]


def test_installer_script_is_utf8_with_bom_and_crlf():
    data = ISS.read_bytes()
    assert data.startswith(codecs.BOM_UTF8), "Inno Setup reads a file without a BOM as ANSI"
    text = data.decode("utf-8-sig")
    assert "邻里中心前台" in text
    assert text.count("\n") == text.count("\r\n") > 100
    script = PS1.read_bytes()
    script.decode("ascii")  # Windows PowerShell 5.1 reads a file without a BOM as ANSI
    assert script.count(b"\n") == script.count(b"\r\n") > 100
    assert "installer/*.iss text eol=crlf" in (ROOT / ".gitattributes").read_text(encoding="utf-8")


def test_installer_installs_beside_the_data_folder_never_in_it(windows, monkeypatch):
    defines = dict(re.findall(r'^\s*#define (\w+) "([^"]*)"', _iss(), re.MULTILINE))
    # platformdirs' answer with Inno Setup's constant for the folder is the installer's DataFolder.
    monkeypatch.setattr(platformdirs.windows, "get_win_folder",
                        lambda name: "{localappdata}" if name == "CSIDL_LOCAL_APPDATA" else pytest.fail(name))
    assert defines["DataFolder"] == str(paths.data_folder())
    assert defines["AppId"] == APP_ID and defines["AppExe"] == f"{APP_ID}.exe"
    assert defines["BundleDir"] == rf"..\dist\{APP_ID}-"  # + AppVersion: installer.spec's COLLECT name
    assert defines["AppVersion"] == __version__, "update the default version in installer/NeighbourhoodDesk.iss"
    setup = dict(line.split("=", 1) for line in _section("Setup"))
    assert setup["PrivilegesRequired"] == "lowest"
    # Without administrator rights Setup expands {autopf} to the user's %LOCALAPPDATA%\Programs.
    install = PureWindowsPath(setup["DefaultDirName"].replace("{autopf}", r"{localappdata}\Programs")
                              .replace("{#AppId}", defines["AppId"]))
    data = PureWindowsPath(defines["DataFolder"])
    assert install == PureWindowsPath(r"{localappdata}\Programs\NeighbourhoodDesk")
    assert not install.is_relative_to(data) and not data.is_relative_to(install)
    # Nothing the installer or the uninstaller deletes is in the data folder.
    assert "UninstallDelete" not in [s for s in re.findall(r"^\[(\w+)\]", _iss(), re.MULTILINE)]
    assert all("{app}\\" in line and "{localappdata}" not in line for line in _section("InstallDelete"))


def test_installer_shortcuts_are_named_in_chinese():
    defines = dict(re.findall(r'^\s*#define (\w+) "([^"]*)"', _iss(), re.MULTILINE))
    assert defines["AppTitle"] == "邻里中心前台"
    icons = _section("Icons")
    assert [line.split(";")[0] for line in icons] == ['Name: "{autoprograms}\\{#AppTitle}"',
                                                       'Name: "{autodesktop}\\{#AppTitle}"']
    assert all('Filename: "{app}\\{#AppExe}"' in line for line in icons)
    assert "Tasks: desktopicon" in icons[1]
    (task,) = _section("Tasks")
    assert task.startswith('Name: "desktopicon"') and "unchecked" not in task  # offered, ticked
