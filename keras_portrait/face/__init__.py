"""Face tools: the canonical mesh, rasterization, and the FaceNet identity embedder."""

from keras_portrait.face.facenet import FaceNetEmbedder
from keras_portrait.face.facenet import load_facenet
from keras_portrait.face.alignment import Aligned
from keras_portrait.face.alignment import align
from keras_portrait.face.alignment import five_point_landmarks
from keras_portrait.face.alignment import paste_back
from keras_portrait.face.pose import HeadPose
from keras_portrait.face.pose import draw_pose_axes
from keras_portrait.face.pose import head_pose
from keras_portrait.face.pose import pose_axes
