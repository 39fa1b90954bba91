"""MLflow "models from code" entry point of the mentor-ranker pyfunc.

MLflow copies this file into every logged mentor-ranker model and runs it when
``mlflow.pyfunc.load_model`` loads one (so loading unpickles nothing). Nothing imports it.
"""

from mlflow.models import set_model

from recommender.registry import MentorRankerModel

set_model(MentorRankerModel())
