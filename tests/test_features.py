"""The feature list (app/features.py) is the one place features are wired in."""
import re
from pathlib import Path

from app import features
from app.services import access

ROOT = Path(__file__).resolve().parent.parent


def test_every_reference_of_every_feature_resolves():
    for feature in features.FEATURES:
        refs = [feature.tab, feature.seed, feature.demo, feature.figures, feature.resident_lines,
                *(entry.open for entry in feature.settings), *(form.make for form in feature.forms),
                *(form.sample for form in feature.forms)]
        for ref in filter(None, refs):
            assert callable(features.resolve(ref)), ref


def test_names_topics_forms_and_options_are_unique_and_permissions_exist():
    names = [f.name for f in features.FEATURES]
    topics = [f.topic for f in features.FEATURES]
    forms = [form.name for f in features.FEATURES for form in f.forms]
    assert len(set(names)) == len(names) and len(set(topics)) == len(topics) and len(set(forms)) == len(forms)
    assert list(features.forms()) == forms
    for feature in features.FEATURES:
        for entry in feature.settings:
            assert entry.permission in access.PERMISSIONS, entry
        if feature.resident_action:
            assert feature.resident_action.permission in access.PERMISSIONS
        for option in feature.print_options:
            assert option.flags[0].startswith("--") and option.help


def test_the_central_files_name_no_feature():
    """Adding a tab touches the feature's own files and one line in app/features.py."""
    central = ["app/views/main_window.py", "app/cli.py", "app/services/printing.py", "app/views/gui.py",
               "app/services/demo/__init__.py", "app/views/residents/tab.py"]
    words = re.compile(r"\b(counter|tickets?|request_for|request catalogue)\b", re.IGNORECASE)
    for name in central:
        code = "\n".join(line for line in (ROOT / name).read_text(encoding="utf-8").splitlines()
                         if not line.lstrip().startswith("#"))
        found = words.findall(code)
        assert not found, f"{name} names a feature: {found}"


def test_first_start_seeds_every_feature(db):
    from app.services import counter, tags
    from app.views.gui import seed_defaults

    seed_defaults(db)
    seed_defaults(db)  # a second start adds nothing
    assert len(tags.list_tags(db)) == len(tags.DEFAULT_TAGS)
    assert len(counter.list_categories(db)) == len(counter.DEFAULT_CATALOGUE)


def test_every_form_prints_from_the_command_line_with_its_sample_options(tmp_path, capsys):
    """What the bundle's smoke test does (installer/smoke_test.py), in the suite: a new form is
    covered the day it is added to app/features.py."""
    from app.cli import main
    from app.db import open_database, sqlite_url
    from app.services import demo
    from tests.conftest import ADMIN

    path = tmp_path / "demo.sqlite3"
    database = open_database(sqlite_url(path))
    try:
        demo.fill_demo(database, "village", seed=2, head_count=150, actor=ADMIN)
        samples = {name: features.resolve(form.sample)(database) if form.sample else []
                   for name, (_feature, form) in features.forms().items()}
    finally:
        database.dispose()
    for name, args in samples.items():
        out = tmp_path / f"{name}.pdf"
        assert main(["--db", str(path), "print", name, *args, "-o", str(out)]) == 0, capsys.readouterr().err
        assert out.read_bytes().startswith(b"%PDF") and out.stat().st_size > 1000, name


def test_every_folder_of_the_program_is_a_package():
    """The bundle collects `app`'s modules by package (installer.spec collect_submodules): a folder
    without __init__.py is left out, and its tab fails only in the installed program."""
    from pathlib import Path

    import app

    root = Path(app.__file__).parent
    missing = [str(folder.relative_to(root)) for folder in root.rglob("*")
               if folder.is_dir() and folder.name != "__pycache__" and "migrations" not in folder.parts
               and any(folder.glob("*.py")) and not (folder / "__init__.py").exists()]
    assert not missing, f"folders without __init__.py: {missing}"
