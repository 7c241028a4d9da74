"Every notebook under nbs/ runs top to bottom (cells flagged `slow`, `notest` or `needs_pipeline` skipped; the smoke test in test_repo runs the last on a tiny pipeline): its inline tests pass."
import pytest
from nbdev.doclinks import nbglob
from nbdev.test import test_nb as run_nb
from conftest import ROOT
from nbdev.config import get_config

NBS = sorted(nbglob(ROOT/'nbs', as_path=True))
SKIP = get_config(ROOT).tst_flags.split()          # notest, slow, needs_pipeline: pyproject.toml's tst_flags


def test_found_notebooks():
    assert len(NBS) >= 4


@pytest.mark.parametrize('nb', NBS, ids=[str(p.relative_to(ROOT/'nbs')) for p in NBS])
def test_notebook(nb):
    ok, _ = run_nb(nb, skip_flags=SKIP)
    assert ok, f'{nb} failed (see the traceback above)'
