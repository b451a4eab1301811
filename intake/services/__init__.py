"""The intake's use cases (the only writers of its models)."""
