"""Submissions the hidden checks are tested on: the reference, valid variants and mistakes."""
