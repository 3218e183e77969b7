"""Check that evidence passages and quotes are verbatim in their source texts."""

import difflib
import functools


def normalize_space(text):
    """Collapse every run of whitespace to one space: line breaks may differ, words may not."""
    return " ".join(text.split())


def is_normalized(text):
    """text == normalize_space(text), without building the normalized copy."""
    if text.isprintable():  # then the ASCII space is its only whitespace character
        return "  " not in text and text[:1] != " " and text[-1:] != " "
    return text == normalize_space(text)


def contains_words(text, wanted):
    """True if `wanted` occurs in `text` as whole words (both whitespace-normalized)."""
    start = text.find(wanted) if wanted else -1
    while start != -1:
        end = start + len(wanted)
        if not (start > 0 and text[start - 1].isalnum() and wanted[0].isalnum()) and not (
                end < len(text) and text[end].isalnum() and wanted[-1].isalnum()):
            return True
        start = text.find(wanted, start + 1)
    return False


class SourceTexts:
    def __init__(self):
        self.texts = {}

    def add(self, source_id, text):
        self.texts[source_id] = normalize_space(text)
        self.contains.cache_clear()

    @functools.lru_cache(maxsize=100_000)
    def contains(self, source_id, passage):
        """True if `passage`, its whitespace already normalized, is in the source
        as whole words (not "rafficking in nor")."""
        # Rows of one press release repeat the same passages: the cache makes
        # the check nearly free at a million rows.
        return contains_words(self.texts[source_id], passage)

    def find(self, passage, exclude=()):
        """The id of another source holding `passage` word for word, or None:
        run only to explain an error (it reads every text)."""
        wanted = normalize_space(passage)
        return next((source_id for source_id, text in self.texts.items()
                     if source_id not in exclude and contains_words(text, wanted)), None)

    def closest(self, source_id, passage):
        """The source passage most like `passage`, to show next to the error."""
        words = self.texts[source_id].split(" ")
        wanted = normalize_space(passage)
        width = max(1, len(wanted.split(" ")))
        # As in difflib.get_close_matches: the fixed text is seq2, which the
        # matcher analyses once, and the cheap upper bounds skip most windows.
        matcher = difflib.SequenceMatcher(None)
        matcher.set_seq2(wanted)
        best, best_ratio = "", 0.0
        for start in range(max(1, len(words) - width + 1)):
            window = " ".join(words[start : start + width])
            matcher.set_seq1(window)
            if matcher.real_quick_ratio() <= best_ratio or matcher.quick_ratio() <= best_ratio:
                continue
            ratio = matcher.ratio()
            if ratio > best_ratio:
                best, best_ratio = window, ratio
        return best if best_ratio >= 0.6 else None
