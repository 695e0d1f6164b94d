"""The window is built from the feature list."""
from app import features


def test_the_window_builds_one_tab_per_feature_in_order(window):
    built = [window.tab_of(f.name) for f in features.FEATURES if f.tab]
    assert [window.tabs.widget(i) for i in range(window.tabs.count())] == built


def test_a_tab_is_built_when_first_shown(window, monkeypatch):
    from app.views.counter.tab import CounterTab

    made = []
    original = CounterTab.__init__
    monkeypatch.setattr(CounterTab, "__init__", lambda self, *a, **kw: made.append(self) or original(self, *a, **kw))
    i = [f.name for f in features.FEATURES if f.tab].index("counter")
    counter = window.tabs.widget(i)
    assert not isinstance(counter, CounterTab) and made == []  # not current: a stand-in only
    window.notice.changed.emit("tickets")  # notices do not build it either
    assert made == []
    window.tabs.setCurrentIndex(i)  # shown: built in the stand-in's place, and current
    assert made == [window.tabs.widget(i)] == [window.tabs.currentWidget()] == [window.tab_of("counter")]
    window.tabs.setCurrentIndex(0)
    window.tabs.setCurrentIndex(i)
    assert len(made) == 1  # once


def test_tab_of_builds_a_tab_without_showing_it(window):
    from app.views.counter.tab import CounterTab

    tab = window.tab_of("counter")
    assert isinstance(tab, CounterTab) and window.tabs.widget(2) is tab
    assert window.tabs.currentIndex() == 0 and window.tab_of("counter") is tab


def test_the_settings_menu_offers_each_features_entries(window):
    from app.i18n import _

    menu = next(a.menu() for a in window.menuBar().actions() if a.menu() and a.text() == _("&Settings"))
    labels = [a.text() for a in menu.actions()]
    for feature in features.FEATURES:
        for entry in feature.settings:
            assert _(entry.label) in labels
