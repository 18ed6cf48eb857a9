# ml_utils_mlflow: the client side of the MLflow mirror of ml_utils (its section 10).
#
# Not a module to import: when the mirror is on (MLFLOW_TRACKING_URI or ML_AUTOMATION_MLFLOW_URI),
# ml_utils loads this file into itself the first time a registry write is mirrored, from beside
# ml_utils.py or from the ml-automation plugin. MIRROR_OF names the ml_utils.py it was built with
# (its RUNTIME_STAMP): ml_utils loads no other. The names it uses without defining come from ml_utils
# (no docstring here: loaded into ml_utils, it would replace the library's own).

from typing import TYPE_CHECKING  # noqa: F401 - the LIBRARY NAMES section the build writes uses it

MIRROR_OF = "unbuilt"
