"""The watchlist: topics with aliases and patterns, found in text; bad files named."""

from __future__ import annotations

from pathlib import Path

import pytest

from newswatch.enrich.watchlist import find_topics, load_watchlist
from newswatch.errors import ConfigError


def _mentions(text: str, path: Path | None = None) -> list[tuple[str, str]]:
    return [(m.topic, text[m.start : m.end]) for m in find_topics(text, load_watchlist(path))]


def test_bundled_watchlist_finds_cpec_aliases_as_whole_words() -> None:
    text = (
        "The China-Pakistan Economic Corridor (CPEC) is a flagship of the Belt and Road "
        "Initiative; the corridor links Gwadar port to Kashgar. Cpec-like words and "
        "corridors do not count, nor does the BRICS group."
    )
    assert _mentions(text) == [
        ("CPEC", "China-Pakistan Economic Corridor"),
        ("CPEC", "CPEC"),
        ("Belt and Road", "Belt and Road Initiative"),
        ("CPEC", "the corridor"),
        ("Gwadar", "Gwadar port"),
    ]


def test_user_watchlist_adds_a_topic_with_a_pattern(tmp_path: Path) -> None:
    path = tmp_path / "desk.yaml"
    path.write_text(
        "- name: Karakoram Highway\n"
        "  aliases: [KKH]\n"
        "  patterns: ['karakoram\\s+high(?:way|road)']\n"
    )
    text = "Trucks on the Karakoram Highway (KKH) and the karakoram  highroad; kkh is not it."
    assert _mentions(text, path) == [
        ("Karakoram Highway", "Karakoram Highway"),
        ("Karakoram Highway", "KKH"),
        ("Karakoram Highway", "karakoram  highroad"),
    ]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("- name: [unclosed\n", "not valid YAML"),
        ("name: CPEC\n", "must be a list of topics"),
        ("- aliases: [CPEC]\n", "topic 1 needs a name"),
        ("- name: CPEC\n", "has no aliases or patterns"),
        ("- name: CPEC\n  patterns: ['(unbalanced']\n", "bad pattern"),
    ],
)
def test_bad_watchlist_names_the_file_and_the_problem(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=problem) as error:
        load_watchlist(path)
    assert str(path) in str(error.value)


def test_missing_watchlist_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the watchlist"):
        load_watchlist(tmp_path / "absent.yaml")
