"""The export graph of a generator and its SavedModel (DESIGN.md §6)."""

from keras_portrait.export.boundary import boundary_graph
from keras_portrait.export.boundary import check_input_type
from keras_portrait.export.signature import GENERATOR
from keras_portrait.export.signature import signature


def part_graph(part, image_size, input_type="uint8", batch_size=1):
    """The `boundary_graph` of one exported network (a `signature.Part`)."""
    # The graph's name prefixes the tensor names in the files (and so their sizes).
    name = "export_graph" if part.name == GENERATOR else f"{part.name}_graph"
    return boundary_graph(part.network, part.inputs, image_size, input_type, batch_size,
                          image_out=part.output is None, name=name)


def inference_graph(model, image_size=None, input_type="uint8", batch_size=1):
    """A functional model: the file's inputs → `model`'s generator → the file's output.

    The pre- and post-processing live inside the graph, so the exported file takes and gives
    what an app holds: images as uint8 [0, 255] (`input_type="uint8"`) or float32 [0, 1]
    (`"float"`), RGB, NHWC, at a fixed size, and the other inputs as their kinds take them
    (`keras_portrait.registry.ExportInput`). The output image is rounded to the nearest grey
    level for uint8 and clipped to [0, 1] for float. A generator without a registered family
    takes "images" (and a "label", float32 `(batch_size, L)`, when it takes `[images, label]`).

    Args:
        model: keras.Model. A GAN of a registered family (its spec says the inputs), or a
            generator mapping [-1, 1] images (or `[images, labels]`) to [-1, 1] images.
        image_size: int or None. Side of the square inputs. Defaults to `None`: the family's
            default, 256 for most.
        input_type: str. `"uint8"` or `"float"`. Defaults to `"uint8"`.
        batch_size: int or None. Fixed batch of the graph. Defaults to `1`.
    """
    check_input_type(input_type)
    export = signature(model, image_size)
    return part_graph(export.generator, export.image_size, input_type, batch_size)


def write_saved_model(graph, path):
    """Writes the SavedModel of an export graph to `path`.

    Goes through `keras.Model.export`: a SavedModel written by `tf.saved_model.save` or from a
    hand-written `tf.function` converts to a .tflite without weights (STACK_NOTES, Export).
    Its `serve` signature takes the graph's inputs by their names.
    """
    graph.export(str(path), format="tf_saved_model", verbose=False)


def export_saved_model(model, path, image_size=None, input_type="uint8", batch_size=1):
    """Writes the SavedModel of `inference_graph(model, ...)` to `path`; returns the graph."""
    graph = inference_graph(model, image_size, input_type, batch_size)
    write_saved_model(graph, path)
    return graph
