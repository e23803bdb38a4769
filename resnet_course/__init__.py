"""What a student's notebook imports: graph reading, public checks, training helpers, plots."""
