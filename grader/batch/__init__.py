"""Class grading on Dask: discovery, resumable state, progress, gradebook and class summary."""
