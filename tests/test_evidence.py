"""The verbatim check behind every evidence passage and quote (pipeline/evidence.py)."""

import pytest

from pipeline.evidence import SourceTexts, is_normalized, normalize_space

TEXT = """DUSHANBE, 13 April 2011 - The OSCE Office in Tajikistan (OSCE) hosted
consultations on anti-trafficking.  The consultations on anti-trafficking ended."""


@pytest.fixture
def sources():
    texts = SourceTexts()
    texts.add("release", TEXT)
    return texts


@pytest.mark.parametrize("passage", [
    "The OSCE Office in Tajikistan (OSCE) hosted consultations on anti-trafficking.",  # across a line break
    "consultations on anti-trafficking ended.",  # the second of two places it starts
    "OSCE) hosted",  # starts after a bracket
    "DUSHANBE",  # the very start of the text
    "trafficking ended.",  # after a hyphen, not a letter
])
def test_whole_word_passages_are_found(sources, passage):
    assert sources.contains("release", passage)


@pytest.mark.parametrize("passage", [
    "SHANBE, 13 April",  # part of a word
    "The OSCE Office in Tajikistan (OSCE) hosted consultations on anti-traffick",  # ends inside a word
    "The OSCE Office in Tajikistan hosted",  # words left out
    "",
])
def test_other_passages_are_not(sources, passage):
    assert not sources.contains("release", passage)


@pytest.mark.parametrize("passage", [
    "trafficking rules.",
    "OSCE) rules.",  # starts after a bracket
])
def test_a_passage_inside_a_longer_word_first_is_found_where_it_is_whole(passage):
    texts = SourceTexts()
    texts.add("s", "Antitrafficking rules. (XOSCE) rules. trafficking rules. (OSCE) rules.")
    assert texts.contains("s", passage)
    texts.add("s", "Antitrafficking rules. (XOSCE) rules.")
    assert not texts.contains("s", passage)


@pytest.mark.parametrize("text", [
    "one space between words", "two  spaces", " leading", "trailing ", "a\nline break", "a\ttab",
    "a\xa0no-break space", "a\u2028line separator", "a soft\xadhyphen", "", " ", "word",
])
def test_is_normalized_agrees_with_normalize_space(text):
    assert is_normalized(text) == (text == normalize_space(text))


def test_find_names_another_source_holding_the_passage():
    """Behind "it is word for word in source X: is the source_id right?"."""
    texts = SourceTexts()
    texts.add("first", "The Office held consultations.")
    texts.add("second", "The Office held a\nseminar on referral.")
    assert texts.find("held a seminar", exclude=["first"]) == "second"  # across a line break
    assert texts.find("held a semi", exclude=["first"]) is None  # whole words only
    assert texts.find("held a seminar", exclude=["second"]) is None  # not the source the row names


def test_closest_shows_the_source_passage_most_like_a_misspelled_one(sources):
    assert sources.closest("release", "Office in Tajikistan (OSCE) hostex") == "Office in Tajikistan (OSCE) hosted"
    assert sources.closest("release", "nothing of the sort appears") is None
