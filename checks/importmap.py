"""Import names and the distributions that provide them, where the two differ (data only, no logic).

`import cv2` is satisfied by declaring `opencv-python`; most packages need no entry, since their
import name normalized the PEP 503 way (`sentence_transformers` -> `sentence-transformers`) is the
distribution's name. Names compare after that normalization, so case and `-`/`_`/`.` do not matter.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

_TENSORFLOW = (
    "tensorflow",
    "tensorflow-gpu",
    "tensorflow-cpu",
    "tensorflow-macos",
    "tensorflow-intel",
    "tensorflow-aarch64",
    "tensorflow-rocm",
    "intel-tensorflow",
    "tf-nightly",
    "tf-nightly-gpu",
    "tf-nightly-cpu",
)
_TORCH = ("torch", "pytorch", "pytorch-cpu", "pytorch-gpu")
_JUPYTER = ("ipython", "ipykernel", "jupyter", "jupyterlab", "notebook")

#: A dotted import path (its longest listed prefix applies) -> the distributions that provide it.
#: The first one is the name a finding suggests; declaring any of them satisfies the import.
#: Conda package names are listed too (`pytorch`, `py-opencv`), since environment.yml declares those.
DISTRIBUTIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        # Computer vision, imaging, audio
        "cv2": (
            "opencv-python",
            "opencv-python-headless",
            "opencv-contrib-python",
            "opencv-contrib-python-headless",
            "opencv",
            "py-opencv",
            "libopencv",
        ),
        "PIL": ("Pillow", "pillow-simd", "pil"),
        "skimage": ("scikit-image",),
        "pywt": ("PyWavelets",),
        "imwatermark": ("invisible-watermark",),
        "fitz": ("PyMuPDF",),
        "pymupdf": ("PyMuPDF",),
        "osgeo": ("GDAL", "libgdal"),
        "OpenGL": ("PyOpenGL",),
        "whisper": ("openai-whisper",),
        "soundfile": ("soundfile", "pysoundfile"),
        "ffmpeg": ("ffmpeg-python", "python-ffmpeg"),
        "speech_recognition": ("SpeechRecognition",),
        "pdfminer": ("pdfminer.six",),
        "docx": ("python-docx",),
        "pptx": ("python-pptx",),
        "Bio": ("biopython",),
        "rdkit": ("rdkit", "rdkit-pypi"),
        # Machine learning frameworks and their companions
        "sklearn": ("scikit-learn", "sklearn"),
        "skopt": ("scikit-optimize",),
        "skbase": ("scikit-base",),
        "imblearn": ("imbalanced-learn",),
        "sksurv": ("scikit-survival",),
        "skbio": ("scikit-bio",),
        "skmultilearn": ("scikit-multilearn",),
        "sklearnex": ("scikit-learn-intelex",),
        "open_clip": ("open-clip-torch",),
        "cupyx": ("cupy",),  # shipped in every cupy wheel (`cupy-cuda12x`)
        "pyximport": ("Cython",),
        "umap": ("umap-learn",),
        "pyro": ("pyro-ppl",),
        "Box2D": ("Box2D", "box2d-py"),
        "skvideo": ("scikit-video",),
        "decord": ("decord", "eva-decord"),  # eva-decord: a fork with wheels for newer Pythons
        "pybullet_envs": ("pybullet",),
        "pybullet_data": ("pybullet",),
        "pybullet_utils": ("pybullet",),
        "hydra": ("hydra-core",),
        "torch": _TORCH,
        # Shipped inside the torch wheel: importing them needs no declaration of their own.
        "functorch": _TORCH,
        "torchgen": _TORCH,
        "triton": ("triton", *_TORCH),
        "tensorflow": _TENSORFLOW,
        # Keras and TensorBoard are dependencies of TensorFlow that TensorFlow code imports directly.
        "keras": ("keras", "tf-keras", *_TENSORFLOW),
        "tensorboard": ("tensorboard", *_TENSORFLOW),
        "tensorflow_estimator": ("tensorflow-estimator", *_TENSORFLOW),
        "jaxlib": ("jaxlib", "jax"),
        "haiku": ("dm-haiku",),
        "tree": ("dm-tree",),
        "sonnet": ("dm-sonnet",),
        "acme": ("dm-acme",),
        "reverb": ("dm-reverb",),
        "launchpad": ("dm-launchpad",),
        "absl": ("absl-py",),
        "paddle": ("paddlepaddle", "paddlepaddle-gpu"),
        "pl_bolts": ("lightning-bolts",),
        "mmcv": ("mmcv", "mmcv-full", "mmcv-lite"),
        "mmseg": ("mmsegmentation",),
        "mmaction": ("mmaction2",),
        "mmcls": ("mmcls", "mmpretrain"),
        "faiss": ("faiss-cpu", "faiss-gpu", "faiss"),
        "onnxruntime": ("onnxruntime", "onnxruntime-gpu", "onnxruntime-directml", "onnxruntime-silicon"),
        "xgboost": ("xgboost", "py-xgboost", "xgboost-cpu"),
        "mlflow": ("mlflow", "mlflow-skinny"),
        "neptune": ("neptune", "neptune-client"),
        "pinecone": ("pinecone", "pinecone-client"),
        "weaviate": ("weaviate-client",),
        "writerai": ("writer-sdk",),
        "vertexai": ("google-cloud-aiplatform",),
        "llama_cpp": ("llama-cpp-python",),
        "tiktoken_ext": ("tiktoken",),  # the encodings' plugin package, shipped in the tiktoken wheel
        "sensai": ("sensai-utils",),
        "colbert": ("colbert-ai",),
        "MeCab": ("mecab-python3", "mecab-python"),
        "llama_index_client": ("llamaindex-py-client",),
        "community": ("python-louvain",),
        "igraph": ("igraph", "python-igraph"),
        "pycrfsuite": ("python-crfsuite",),
        "Levenshtein": ("Levenshtein", "python-Levenshtein"),
        "lark": ("lark", "lark-parser"),
        "antlr4": ("antlr4-python3-runtime",),
        "graphviz": ("graphviz", "python-graphviz"),
        "mpl_toolkits": ("matplotlib",),
        "pylab": ("matplotlib",),
        "delta": ("delta-spark",),
        "airflow": ("apache-airflow",),
        "pynvml": ("pynvml", "nvidia-ml-py"),
        "pymtml": ("mthreads-ml-py",),
        "cutlass": ("nvidia-cutlass-dsl", "nvidia-cutlass"),
        "quack": ("quack-kernels",),
        "torch_linear_assignment": ("torch-linear-assignment", "torch-hungarian"),
        # Data, storage and services
        "yaml": ("PyYAML",),
        "bs4": ("beautifulsoup4", "bs4"),
        "attr": ("attrs",),
        "cattr": ("cattrs",),
        "dateutil": ("python-dateutil",),
        "google.protobuf": ("protobuf",),
        # OpenTelemetry's API modules share its namespace with the SDK, exporters and instrumentations.
        **dict.fromkeys(
            (
                *("opentelemetry.trace", "opentelemetry.context", "opentelemetry.baggage", "opentelemetry.metrics"),
                *("opentelemetry.propagate", "opentelemetry.propagators", "opentelemetry.util.types"),
                *("opentelemetry._logs", "opentelemetry.attributes", "opentelemetry.environment_variables"),
            ),
            ("opentelemetry-api",),
        ),
        "opentelemetry.semconv": ("opentelemetry-semantic-conventions",),
        "opentelemetry.util.http": ("opentelemetry-util-http",),
        "google.oauth2": ("google-auth",),
        # Google Cloud packages whose module names are not their distributions' (`google-cloud-secret-manager`).
        **dict.fromkeys(
            ("google.cloud.secretmanager", "google.cloud.secretmanager_v1"), ("google-cloud-secret-manager",)
        ),
        "google.cloud.bigquery_storage": ("google-cloud-bigquery-storage",),
        "google.cloud.bigquery_storage_v1": ("google-cloud-bigquery-storage",),
        "googleapiclient": ("google-api-python-client",),
        "grpc": ("grpcio",),
        "grpc_tools": ("grpcio-tools",),
        "botocore": ("botocore", "boto3"),
        "MySQLdb": ("mysqlclient",),
        "psycopg2": ("psycopg2", "psycopg2-binary"),
        "bson": ("pymongo",),
        "kafka": ("kafka-python",),
        "snappy": ("python-snappy",),
        "snowflake.connector": ("snowflake-connector-python",),
        "snowflake.snowpark": ("snowflake-snowpark-python",),
        "dns": ("dnspython",),
        "ldap": ("python-ldap",),
        "zmq": ("pyzmq",),
        # Web, security and system libraries
        "jwt": ("PyJWT",),
        "dotenv": ("python-dotenv",),
        "decouple": ("python-decouple",),
        "Crypto": ("pycryptodome", "pycrypto"),
        "Cryptodome": ("pycryptodomex",),
        "OpenSSL": ("pyOpenSSL",),
        "nacl": ("PyNaCl",),
        "jose": ("python-jose",),
        "multipart": ("python-multipart",),
        "slugify": ("python-slugify",),
        "socketio": ("python-socketio",),
        "engineio": ("python-engineio",),
        "websocket": ("websocket-client",),
        "pythonjsonlogger": ("python-json-logger",),
        "rest_framework": ("djangorestframework",),
        "corsheaders": ("django-cors-headers",),
        "environ": ("django-environ",),
        "telegram": ("python-telegram-bot",),
        "tap": ("typed-argument-parser",),
        "discord": ("discord.py",),
        "github": ("PyGithub",),
        "gitlab": ("python-gitlab",),
        "git": ("GitPython",),
        "magic": ("python-magic", "python-magic-bin"),
        "serial": ("pyserial",),
        "usb": ("pyusb",),
        "gi": ("PyGObject",),
        "cairo": ("pycairo",),
        "dbus": ("dbus-python",),
        "Xlib": ("python-xlib",),
        "wx": ("wxPython",),
        "win32api": ("pywin32",),
        "win32con": ("pywin32",),
        "win32com": ("pywin32",),
        "win32gui": ("pywin32",),
        "win32process": ("pywin32",),
        "pythoncom": ("pywin32",),
        "pywintypes": ("pywin32",),
        "past": ("future",),
        "jpype": ("JPype1",),
        "apricot": ("apricot-select",),
        # Notebook internals, installed with Jupyter itself.
        "IPython": _JUPYTER,
        "matplotlib_inline": ("matplotlib-inline", *_JUPYTER),
    }
)

#: Namespace packages: one import root shared by many distributions. The import path, to this many
#: components, names the distribution (`google.cloud.storage` -> google-cloud-storage), and
#: `from google.cloud import storage` counts as importing `google.cloud.storage`.
NAMESPACE_DEPTHS: Mapping[str, int] = MappingProxyType(
    {
        "google": 2,
        "google.cloud": 3,
        "azure": 2,
        "azure.ai": 3,
        "azure.mgmt": 3,
        "azure.storage": 3,
        "azure.keyvault": 3,
        "azure.monitor": 3,
        "opentelemetry": 2,
        "opentelemetry.exporter": 3,
        "opentelemetry.instrumentation": 3,
        "backports": 2,
        "jaraco": 2,
        "zope": 2,
        "sphinxcontrib": 2,
        "snowflake": 2,
        "databricks": 2,
        "nvidia": 2,
        "autogluon": 2,
        "llama_index": 2,
        "llama_index.llms": 3,
        "llama_index.embeddings": 3,
        "llama_index.vector_stores": 3,
        "llama_index.readers": 3,
        "pyannote": 2,
        "ruamel": 2,
        "orbax": 2,  # orbax-checkpoint, orbax-export
    }
)

#: Variants a distribution name may carry around its import name: `faiss-cpu`, `psycopg2-binary`,
#: `cupy-cuda12x`, `hydra-core`, `python-dotenv`, `pyzmq`, `opencv-python`, `rliable-fork`. A declared name with
#: these stripped also declares the bare name (the PEP 503 form is compared).
VARIANT_PREFIXES: tuple[str, ...] = ("python-", "py")
VARIANT_SUFFIXES: tuple[str, ...] = (
    "cpu",
    "gpu",
    "binary",
    "bin",
    "headless",
    "nightly",
    "macos",
    "metal",
    "intel",
    "aarch64",
    "rocm",
    "full",
    "lite",
    "core",
    "client",
    "sdk",
    "python",
    "contrib",
    "slim",
    "directml",
    "silicon",
    "openvino",
    "mkl",
    "py",
    "py3",
    "fork",  # a fork published under its own name keeps the import name (`rliable-fork`)
)
#: Variant suffixes with a number: `cuda12x`, `cu118`, `rocm57`.
VARIANT_SUFFIX_PATTERN = r"(?:cuda|cu|rocm)\d+x?"

#: Provided by every Python environment pip runs in, or installed with the packaging tools.
ALWAYS_AVAILABLE: frozenset[str] = frozenset({"setuptools", "pkg_resources", "pip", "wheel", "_distutils_hack"})

#: Standard library modules that later Python versions removed (so the answer does not depend on
#: the Python running the review), and Python 2 names (DEP017 judges those).
FORMER_STDLIB: frozenset[str] = frozenset(
    {
        "distutils", "imp", "asynchat", "asyncore", "smtpd", "aifc", "audioop", "cgi", "cgitb", "chunk",
        "crypt", "imghdr", "mailcap", "msilib", "nis", "nntplib", "ossaudiodev", "pipes", "sndhdr", "spwd",
        "sunau", "telnetlib", "uu", "xdrlib", "lib2to3",
        "urllib2", "urlparse", "httplib", "ConfigParser", "cPickle", "cStringIO", "StringIO", "Queue",
        "HTMLParser", "htmlentitydefs", "__builtin__", "commands", "Tkinter", "tkMessageBox", "SocketServer",
        "SimpleHTTPServer", "BaseHTTPServer", "CGIHTTPServer", "cookielib", "Cookie", "thread", "dummy_thread",
        "copy_reg", "xmlrpclib", "anydbm", "whichdb", "dumbdbm", "md5", "sha", "sets", "exceptions",
        "UserDict", "UserList", "UserString", "robotparser", "Dialog", "FileDialog", "ttk",
    }
)  # fmt: skip

#: Modules the host application or platform provides, which no manifest installs: Blender, Maya,
#: Houdini, ArcGIS, QGIS, AWS Glue, Colab, Kaggle, MicroPython boards, distribution packages.
HOST_PROVIDED: frozenset[str] = frozenset(
    {
        "bpy", "bmesh", "mathutils", "bge", "maya", "pymel", "hou", "nuke", "unreal", "c4d", "rhinoscriptsyntax",
        "Rhino", "arcpy", "qgis", "awsglue", "dbutils", "google.colab", "kaggle_secrets", "kaggle_datasets",
        "js", "pyodide", "machine", "micropython", "utime", "uos", "ustruct", "uasyncio", "pyb", "esp", "esp32",
        "apt", "apt_pkg", "rpm", "dnf", "yum", "selinux", "lldb", "gdb", "vim", "sublime", "sublime_plugin",
        "idaapi", "idc", "idautils", "ghidra", "krita", "gimpfu", "pcbnew", "FreeCAD", "FreeCADGui", "adsk",
        "omni", "carb", "pxr", "renderdoc", "apex",
        # ComfyUI's own modules, which its custom nodes import from the application that loads them.
        "comfy", "comfy_api", "comfy_extras", "folder_paths",
        # NVIDIA Triton's Python backend gives its models these at run time; no index serves them.
        "triton_python_backend_utils", "c_python_backend_utils",
    }
)  # fmt: skip

#: Modules a notebook's kernel provides: the notebook runs inside IPython.
NOTEBOOK_PROVIDED: frozenset[str] = frozenset({"IPython", "ipykernel", "ipywidgets", "matplotlib_inline"})

__all__ = [
    "ALWAYS_AVAILABLE",
    "DISTRIBUTIONS",
    "FORMER_STDLIB",
    "HOST_PROVIDED",
    "NAMESPACE_DEPTHS",
    "NOTEBOOK_PROVIDED",
    "VARIANT_PREFIXES",
    "VARIANT_SUFFIXES",
    "VARIANT_SUFFIX_PATTERN",
]
