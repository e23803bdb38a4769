"""The only grader code the producer's sandbox runs, next to student code.

The supervisor copies this folder, and nothing else of the grader, into the sandbox. Its modules
import nothing of the grader outside this folder, so that what runs beside student code is this
folder alone: the artifact contract (:mod:`.contract`), the cases the exercises are built on
(:mod:`.cases`) and the producer itself (:mod:`.producer`).
"""
