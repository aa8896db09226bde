"""Text as the provenance check compares it, and what to say when a sentence is not in its document.

Pure functions: ``etl.build`` checks every sentence and quotation against the document of its folder with them.
"""

from __future__ import annotations

import difflib
import hashlib
import html
import re
import unicodedata
from pathlib import Path

CLOSE_ENOUGH = 0.6  # a sentence holding less of its words than this is not shown as the closest
SHOWN_WORDS = 40  # a longer closest sentence is shown as an excerpt around the first difference
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][\"')])\s+")


def normalise_text(text: str) -> str:
    """Text as compared for provenance: no markup or emphasis, plain quotes, single spaces."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = unicodedata.normalize("NFKC", text).replace("*", "")
    text = text.translate(str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " "}))
    return re.sub(r"\s+", " ", text).strip()


def document_sha256(path: Path) -> str:
    """The sha256 of a document's file, as ``document_sha256`` in origin.yaml records it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sentences(text: str) -> list[str]:
    """A normalised text cut into sentences (after '.', '!' or '?', and a closing quote or bracket)."""
    return [s for s in _SENTENCE_END.split(text) if s]


def closest(text: str, document: str) -> tuple[str, float] | None:
    """The run of the document's sentences (as many as ``text`` has) that holds most of ``text``'s words in order,
    the shorter on a tie, and the share of ``text``'s words it holds (0-1); None for an empty document. Both are
    normalised text. ``text`` may be a part of a sentence: the sentence holding it is the closest."""
    words = text.split()
    parts = sentences(document)
    width = max(1, len(sentences(text)))
    best: tuple[tuple[float, float], str] | None = None
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(words)
    for i in range(max(1, len(parts) - width + 1)):
        candidate = " ".join(parts[i : i + width])
        matcher.set_seq1(candidate.split())
        held = sum(block.size for block in matcher.get_matching_blocks()) / max(1, len(words))
        key = (held, matcher.ratio())
        if best is None or key > best[0]:
            best = (key, candidate)
    return None if best is None else (best[1], best[0][0])


def first_difference(text: str, found: str) -> tuple[int, str] | None:
    """Where ``text`` first departs from the document's sentence ``found`` (``text`` may be a part of it): the
    index in ``found``'s words, and the difference in words; None when ``text`` is all in ``found``."""
    mine, theirs = text.split(), found.split()
    ops = difflib.SequenceMatcher(None, theirs, mine, autojunk=False).get_opcodes()
    for n, (tag, i1, _, j1, _) in enumerate(ops):
        start, end = n == 0 or j1 == 0, j1 == len(mine)
        if tag == "equal" or (tag == "delete" and (start or end)):
            continue  # the document's words before or after a part of its sentence
        if tag == "replace":
            return i1, f"“{mine[j1]}” where the document has “{theirs[i1]}”"
        if tag == "insert":
            return i1, f"“{mine[j1]}”, which the document does not have there"
        return i1, f"the document has “{theirs[i1]}” there, which this leaves out"
    return None


def not_found(text: str, document: str, seed_file: str) -> str:
    """Why a sentence is refused, and what to compare it with: the document's closest sentence and the first word
    that differs (both normalised: quotes, spaces and emphasis marks never count as a difference)."""
    reason = f"not found in {seed_file}, the document of its folder"
    text = normalise_text(text)
    best = closest(text, document)
    if best is None or best[1] < CLOSE_ENOUGH:
        return reason + "; no sentence there is close to it"
    found, _ = best
    diff = first_difference(text, found)
    words = found.split()
    if len(words) > SHOWN_WORDS:
        at = diff[0] if diff else 0
        lo = max(0, at - SHOWN_WORDS // 2)
        hi = min(len(words), lo + SHOWN_WORDS)
        found = ("… " if lo else "") + " ".join(words[lo:hi]) + (" …" if hi < len(words) else "")
    reason += f". Its closest sentence there: “{found}”"
    if diff:
        reason += f"; the first word that differs: {diff[1]}"
    return reason
