"""White box against black box: DADFI trained for the same epochs with backprop through the surrogates, and with NES queries only.

    python bench/blackbox.py [--params params.yaml] [--epochs-ft 5] [--queries 10]

Needs the surrogates and PGD targets of `dvc repro` (outputs/deepfakes, outputs/pgd). Prints, per mode,
training seconds and the success rates on the test faces at lim (protected as `dadfi protect` does).
"""
import argparse, json, tempfile, time
from dataclasses import replace
from pathlib import Path
import numpy as np
import torch
from dadfi.core import *
from dadfi.params import *
from dadfi.params import *
from dadfi.data import load_dataset
from dadfi.zoo import MODELS_DIR, load_zoo, attr_matrix
from dadfi.metrics import disruption, success_rates
from dadfi.protect import perturbations, apply_perturbation
from dadfi.train import DadfiRun, train_dadfi

ap = argparse.ArgumentParser()
ap.add_argument('--params', default='params.yaml'); ap.add_argument('--epochs-ft', type=int, default=5)
ap.add_argument('--queries', type=int, default=10); ap.add_argument('--out', default=None)
a = ap.parse_args()
root = find_root(); P = load_params(root/a.params); size = P.data.size; dev = get_device(P.device)
print('device', torch.cuda.get_device_name() if dev.type == 'cuda' else 'cpu', flush=True)
sp = json.loads((root/'outputs/data/splits.json').read_text())['main']
faces = load_dataset(P.data.main, root)
tr, te = faces.subset(sp['train']), faces.subset(sp['test'])
x, attrs = tr.batch(range(len(tr)), size), attr_matrix(tr)
T = torch.load(root/'outputs/pgd/targets.pt', weights_only=True)
models = load_zoo(P, faces, P.dadfi.models, MODELS_DIR, root, dev)
advs = {k: T['advs'][k].float() for k in models}
xt_u8 = np.stack([te.image(i, size) for i in range(len(te))]); xt = to_tensor(xt_u8).to(dev)
at = attr_matrix(te).to(dev)
res = {}
for mode in ('white', 'black'):
    q = DadfiRun.of(P.dadfi, mode=mode, epochs_ft=a.epochs_ft, nes_queries=a.queries)
    t0 = time.time()
    r = train_dadfi(x, attrs, advs, models, q, Path(tempfile.mkdtemp())/'state.pt', P.seed, dev, log=lambda s: None)
    secs = time.time() - t0
    pu8 = np.stack([apply_perturbation(i, d) for i, d in zip(xt_u8, perturbations(r['gen'], list(xt_u8), size, q.lim, dev))])
    xa = to_tensor(pu8).to(dev)
    res[mode] = {'train_seconds': secs, 'models': {k: success_rates(disruption(m, xt, xa, at)) for k, m in models.items()}}
    print(mode, f"{secs:.0f} s", {k: (round(v['success'], 3), round(v['success_mask'], 3), round(v['mse'], 4)) for k, v in res[mode]['models'].items()}, flush=True)
if a.out: Path(a.out).write_text(json.dumps(res, indent=1))
