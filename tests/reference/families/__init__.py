"""Float64 references for the model families Headscope opens (issue 15), written from the published
HuggingFace architectures: random checkpoints in exact HF layout (checkpoint.py), a torch float64
forward per family (forward.py), and the matrix that runs a Headscope CLI against them (check.py).
Entry point: `/usr/bin/python3 tests/reference/families make|check ...` (see __main__.py)."""
