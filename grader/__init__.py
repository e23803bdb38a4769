"""The autograder: ``python -m grader check|grade``, split by trust into the folders below it."""
