"""The `train` options of the families trained by GauGAN's recipe: a multi-scale PatchGAN
discriminator (`multiscale.py`), SPADE layers and TTUR optimizers of their own."""

from keras_portrait.command_line import refuse_optimizer_options

OPTIMIZERS = "GauGAN's optimizers (TTUR, Adam 1e-4 and 4e-4)"


def add_multiscale_arguments(parser):
    """The discriminator's width, depth and steps, and the SPADE layers' hidden channels."""
    parser.add_argument("--discriminator-filters", type=int, default=64,
                        help="discriminator width (default: %(default)s)")
    parser.add_argument("--discriminator-layers", type=int, default=None,
                        help="convolutions per scale of the discriminator (default: "
                             "%(default)s)")
    parser.add_argument("--discriminator-steps", type=int, default=None,
                        help="discriminator updates per generator update (default: "
                             "%(default)s; 2 when training is unstable)")
    parser.add_argument("--spade-hidden", type=int, default=128,
                        help="channels of the SPADE layers' shared convolution (default: "
                             "%(default)s)")


def check_train(args):
    """The optimizers are the recipe's: --learning-rate and --decay-epochs are refused."""
    refuse_optimizer_options(args, OPTIMIZERS)
