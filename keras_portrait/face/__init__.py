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
from keras_portrait.face.detection import Face
from keras_portrait.face.detection import detect_faces
from keras_portrait.face.detection import detect_folder
from keras_portrait.face.landmarks import landmarks
from keras_portrait.face.landmarks import landmarks_68
from keras_portrait.face.landmarks import landmarks_folder
from keras_portrait.face.masks import face_mask
from keras_portrait.face.segmentation import person_mask
from keras_portrait.face.prepare import prepare_folder
from keras_portrait.face.embedder import SAME_PERSON_THRESHOLD
from keras_portrait.face.embedder import FaceEmbedder
from keras_portrait.face.expression import ExpressionClassifier
from keras_portrait.face.expression import load_expression_classifier
from keras_portrait.face.expression import predict_expressions
