"""`python -m keras_portrait.cli`: the `keras-portrait` command."""

import sys

from keras_portrait.cli import main

sys.exit(main())
