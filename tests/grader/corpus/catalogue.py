"""The whole grading corpus: every valid construction and every mistake, by kind."""

from __future__ import annotations

from corpus import mutations, slips, styles

VALID = mutations.VALID + styles.VALID
MISTAKES = mutations.MISTAKES + slips.MISTAKES
ENTRIES = VALID + MISTAKES
#: The entries written after the first corpus: real students' styles and slips.
NEW_VALID = styles.VALID
NEW_MISTAKES = slips.MISTAKES
