#!/usr/bin/python3
"""usage: families make FAMILY OUT_DIR [options]     write a random HF checkpoint (make --help)
       families check --cli "CMD" [--only PATTERN] [--keep DIR]
                                                  run CMD against the float64 references
FAMILY: gpt2 llama mistral qwen2 gpt_neox bert roberta distilbert."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from families import check, checkpoint  # noqa: E402


def main(argv):
    if len(argv) < 1 or argv[0] not in ("make", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "make":
        return checkpoint.main(argv[1:])
    return check.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
