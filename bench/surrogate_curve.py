"""How fragile a surrogate becomes as it trains: PGD-10 and noise success rates and the reconstruction error
on held-out faces, every `--every` updates, for one family and recipe (the curve the `deepfakes` stage draws for
its own recipe; this script explores others, on a CPU or a GPU).

    python bench/surrogate_curve.py --family attgan --size 64 --iters 4000 --every 500 \\
        --arch '{"enc_dim": 16, "dec_dim": 16, "n_layers": 3}' --out curve_attgan.json

The defaults are those of params.yaml's entry for the family; every flag given replaces one of them. Seconds
are training time (the measurements excluded).
"""
import argparse, json, time
from dataclasses import asdict, replace
from pathlib import Path
import numpy as np
import torch
from dadfi.core import get_device, to_tensor
from dadfi.params import find_root
from dadfi.params import load_params
from dadfi.data import load_dataset, make_splits
from dadfi.surrogates import FaceBank, train_surrogate, edit_report, fidelity
from dadfi.zoo import label_columns, model_params

ap = argparse.ArgumentParser()
ap.add_argument('--family', required=True)
ap.add_argument('--size', type=int)
ap.add_argument('--arch', type=json.loads)
ap.add_argument('--iters', type=int)
ap.add_argument('--batch-size', type=int)
ap.add_argument('--lr', type=float)
ap.add_argument('--ema', type=float)
ap.add_argument('--decay', type=float)
ap.add_argument('--every', type=int, default=500)
ap.add_argument('--n-faces', type=int, default=24)
ap.add_argument('--max-seconds', type=float)
ap.add_argument('--threads', type=int)
ap.add_argument('--save')
ap.add_argument('--out', required=True)
a = ap.parse_args()
if a.threads: torch.set_num_threads(a.threads)
root = find_root(); P = load_params(root/'params.yaml'); D = P.deepfakes
p, dev = model_params(P, a.family), get_device(P.device)
size = a.size or p.size
p = replace(p, **{k: v for k, v in dict(arch=a.arch, iters=a.iters, batch_size=a.batch_size, lr=a.lr, ema=a.ema, decay=a.decay).items() if v is not None})
faces = load_dataset(P.data.main, root)
sp = make_splits(faces, P.data.n_train, P.data.n_test, P.seed); test = set(sp['test'])
cols = label_columns(a.family, p.targets, faces)
tr = [i for i, f in enumerate(faces.files) if f not in test][:D.max_images]
imgs, attrs = np.stack([faces.image(i, size) for i in tr]), faces.attrs[tr][:, cols]
te = [faces.files.index(f) for f in sp['test']]
if a.family == 'starganv2':
    one = attrs.sum(1) == 1; imgs, attrs = imgs[one], attrs[one]
    te = [i for i in te if faces.attrs[i][cols].sum() == 1]
te = te[:a.n_faces]
xt = to_tensor(np.stack([faces.image(i, size) for i in te])).to(dev)
at = torch.from_numpy(faces.attrs[te][:, cols]).float().to(dev)
curve, t0 = [], time.time()

def probe(m, n):
    t = time.time()
    f, rec = fidelity(m, xt, at), edit_report(m, xt, at)
    curve.append({'updates': n, 'seconds': round(t - t0, 1), 'recon': rec['recon'], 'edit': rec['edit'],
                  **{f'{k}_{s}': f[k][s] for k in ('pgd', 'noise') for s in ('success', 'success_mask')}})
    print(a.family, json.dumps(curve[-1]), flush=True)

m, losses, secs = train_surrogate(a.family, FaceBank(imgs, attrs, dev), p.targets, p, size, P.seed, dev,
                                  max_seconds=a.max_seconds, probe=probe, probe_every=a.every)
res = {'family': a.family, 'size': size, 'device': torch.cuda.get_device_name() if dev.type == 'cuda' else 'cpu',
       'recipe': asdict(p), 'updates': len(losses), 'seconds': secs, 'n_faces': len(te), 'curve': curve}
Path(a.out).write_text(json.dumps(res, indent=1))
if a.save: m.save(a.save, iters=len(losses), seconds=secs)
