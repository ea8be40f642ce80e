"""`keras-portrait` for the noise-to-image families (DCGAN, WGAN-GP): their `train` options
and model; `sample` draws from their noise and their data is the generic one (images)."""

from keras_portrait import registry
from keras_portrait.registry import FamilyCommands


def add_train_arguments(parser):
    parser.add_argument("--latent-dim", type=int, default=100,
                        help="size of the noise vector (default: %(default)s)")


def build(args, dataset):
    """The model of `args.family` (DCGAN or WGAN-GP) of the `train` arguments."""
    return registry.get(args.family).model_class(
        image_size=args.image_size, latent_dim=args.latent_dim, filters=args.filters,
        seed=args.seed,
    )


NOISE_COMMANDS = FamilyCommands(add_train_arguments=add_train_arguments, build=build)
