"""A source's text as paragraphs, with the passages a page cites marked.

Pure functions: the pages (event_page) pass in the text and the passages
(mentions.evidence, quotes), and the template escapes the pieces.
"""

import re


def highlight(text, passages):
    """The text's paragraphs (blank-line separated, whitespace collapsed), each a list
    of (piece, marked) with every occurrence of a passage marked; the template escapes them."""
    paragraphs = [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]
    wanted = {" ".join(p.split()) for p in passages if p}
    return [pieces(paragraph, merged_spans(paragraph, wanted)) for paragraph in paragraphs]


def merged_spans(paragraph, passages):
    """[start, end] of every occurrence of a passage, overlapping ones merged."""
    merged = []
    for start, end in sorted(span for passage in passages for span in occurrences(passage, paragraph)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def pieces(paragraph, spans):
    result, position = [], 0
    for start, end in spans:
        result += [(paragraph[position:start], False), (paragraph[start:end], True)]
        position = end
    return [piece for piece in result + [(paragraph[position:], False)] if piece[0]]


def occurrences(passage, text):
    """(start, end) of every occurrence of `passage` in `text`."""
    start = text.find(passage) if passage else -1
    while start != -1:
        yield start, start + len(passage)
        start = text.find(passage, start + 1)
