"""Face tools: the canonical mesh, rasterization, and the FaceNet identity embedder."""

from keras_portrait.face.facenet import FaceNetEmbedder
from keras_portrait.face.facenet import load_facenet
