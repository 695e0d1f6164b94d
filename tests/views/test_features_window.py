"""The window is built from the feature list."""
from app import features


def test_the_window_builds_one_tab_per_feature_in_order(window):
    assert [window.tabs.widget(i) for i in range(window.tabs.count())] == [
        window.tab_of(f.name) for f in features.FEATURES if f.tab]


def test_the_settings_menu_offers_each_features_entries(window):
    from app.i18n import _

    menu = next(a.menu() for a in window.menuBar().actions() if a.menu() and a.text() == _("&Settings"))
    labels = [a.text() for a in menu.actions()]
    for feature in features.FEATURES:
        for entry in feature.settings:
            assert _(entry.label) in labels
