import sys

from app import paths


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
