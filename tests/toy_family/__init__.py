"""A family the package does not know: one folder, as a family of its own would be (its model,
its spec, its command-line hooks). tests/test_toy_family.py registers it and runs the
`keras-portrait` commands on it, with nothing in the package naming it."""

from toy_family.toy_gan import ToyGAN  # noqa: F401
from toy_family.toy_spec import TOY_SPEC  # noqa: F401
