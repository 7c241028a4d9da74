"""One test over every `Deepfake` family and one over every protection `Method` (as torchattacks'
test_atks.py runs every attack): each must keep the contract the pipeline relies on."""
import numpy as np
import pytest
import torch
from dadfi.core import to_tensor
from dadfi.params import RobustParams
from dadfi.checkpoints import DEEPFAKES, build_deepfake
from dadfi.attacks import pgd
from dadfi.generation import Gen
from dadfi.methods import (Method, GenMethod, PGDMethod, EOTPGDMethod, CeilingMethod, UniversalMethod,
                           MOMAMethod, ATSO2AMethod, AdvBotMethod, normalised)
from dadfi.surrogates import TINY_ARCH

TARGETS = ['Black_Hair', 'Blond_Hair']
LIM = 0.05


def tiny(family, seed=0):
    torch.manual_seed(seed)
    return build_deepfake(family, TARGETS, image_size=32, **TINY_ARCH[family]).eval().requires_grad_(False)


@pytest.mark.parametrize('family', sorted(DEEPFAKES))
def test_every_deepfake(family):
    m, x = tiny(family), torch.rand(2, 3, 32, 32)*2 - 1
    attrs = torch.eye(2)
    for t in m.targets:
        y = m(x, t, attrs)
        assert y.shape == x.shape and torch.isfinite(y).all()      # StarGAN-v2 is not tanh-bounded, as released
    with pytest.raises(ValueError, match=f'{family}: unknown target'): m(x, 'Smiling', attrs)
    z = x.clone().requires_grad_(True)
    m(z, m.targets[0], attrs).square().sum().backward()
    assert z.grad.abs().sum() > 0, 'gradients must reach the face (PGD and DADFI need them)'


def _methods():
    "A factory per case: only the method under test is built (MOMA's search, the normalisation's PGD)."
    ms = lambda: [tiny('stargan', 0), tiny('stgan', 1)]
    return {'GenMethod': lambda: GenMethod(Gen(4, 0.1), LIM), 'PGDMethod': lambda: PGDMethod(ms(), LIM, steps=2),
            'EOTPGDMethod': lambda: EOTPGDMethod(ms(), LIM, RobustParams(p=1.0), steps=2),
            'CeilingMethod': lambda: CeilingMethod(ms(), LIM, steps=3, restarts=2),
            'UniversalMethod': lambda: UniversalMethod(ms(), LIM, epochs=1, batch_size=2),
            'MOMAMethod': lambda: MOMAMethod(ms(), LIM, steps=2, population=2, generations=1, n_fit=2),
            'ATSO2AMethod': lambda: ATSO2AMethod(ms(), LIM, steps=2),
            'AdvBotMethod': lambda: AdvBotMethod(ms()[:1], LIM, steps=2),
            'PGDMethod, normalised': lambda: PGDMethod(_normalised(ms()), LIM, steps=2)}


def _normalised(models):
    "Each model in units of what a 2-step PGD reaches on it alone."
    x, attrs = torch.rand(2, 3, 32, 32)*2 - 1, torch.eye(2)
    advs = {i: pgd([m], x, attrs, LIM, 2, 0.01) for i, m in enumerate(models)}
    return normalised(dict(enumerate(models)), x, attrs, advs)


def _subclasses(c):
    return {s for k in c.__subclasses__() for s in {k} | _subclasses(k)}


def test_every_method_is_tested():
    names = {c.__name__ for c in _subclasses(Method)}
    assert names <= {k.split(',')[0] for k in _methods()}, 'a Method without a case in _methods()'


@pytest.mark.parametrize('name', sorted(_methods()))
def test_every_method(name):
    m = _methods()[name]()
    rng = np.random.default_rng(0)
    imgs, attrs = rng.integers(0, 256, (3, 32, 32, 3), dtype=np.uint8), torch.eye(2)[[0, 1, 0]]
    m.fit(to_tensor(imgs), attrs)
    out, secs = m.protect(imgs, attrs)
    q = int(np.floor(LIM*127.5 + 1e-9))
    assert out.dtype == np.uint8 and out.shape == imgs.shape and secs >= 0
    assert np.abs(out.astype(int) - imgs).max() <= q, 'the bound lim holds for every pixel'
    assert (out != imgs).any(), 'it changes the faces'
