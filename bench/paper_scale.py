"""Paper-scale check for a GPU: every family of the paper profile trains on CUDA, and StarGAN trains for a time budget.

    python bench/paper_scale.py --profile profiles/paper.yaml --seconds 240 --out OUT

Prints, per family, the milliseconds per generator update at paper scale; then how far StarGAN got in the
budget (updates, reconstruction error, edit strength on 32 test faces) and writes its grid and a JSON.
"""
import argparse, json, time
from pathlib import Path
import numpy as np
import torch
import matplotlib
matplotlib.use('Agg')
from dadfi.core import get_device, to_tensor, to_uint8
from dadfi.params import find_root
from dadfi.params import load_params
from dadfi.data import load_dataset, make_splits, plot_faces
from dadfi.surrogates import FaceBank, train_surrogate, edit_report

ap = argparse.ArgumentParser()
ap.add_argument('--profile', default='profiles/paper.yaml')
ap.add_argument('--seconds', type=float, default=240)
ap.add_argument('--probe-steps', type=int, default=5)
ap.add_argument('--out', default='bench_out')
a = ap.parse_args()
out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
root = find_root(); P = load_params(profile=root/a.profile); D, size = P.deepfakes, P.data.size
dev = get_device(P.device)
print('device', dev, torch.cuda.get_device_name() if dev.type == 'cuda' else '', 'torch', torch.__version__, flush=True)

faces = load_dataset(P.data.main, root)
sp = make_splits(faces, P.data.n_train, P.data.n_test, P.seed)
test = set(sp['test']); cols = [faces.attr_names.index(n) for n in D.attrs]
tr = [i for i, f in enumerate(faces.files) if f not in test]
imgs, attrs = np.stack([faces.image(i, size) for i in tr]), faces.attrs[tr][:, cols]
one = attrs.sum(1) == 1
te = [faces.files.index(f) for f in sp['test'][:32]]
xt = to_tensor(np.stack([faces.image(i, size) for i in te])).to(dev); at = torch.from_numpy(faces.attrs[te][:, cols]).float().to(dev)
res = {'device': torch.cuda.get_device_name() if dev.type == 'cuda' else 'cpu', 'size': size, 'probe': {}}

for fam in D.models:                       # every family at paper scale: a few updates, timed after a warm-up
    p = getattr(D, fam); bank = FaceBank(imgs[one], attrs[one], dev) if fam == 'starganv2' else FaceBank(imgs, attrs, dev)
    train_surrogate(fam, bank, D.attrs, type(p)(**{**p.__dict__, 'iters': 1}), size, P.seed, dev)
    if dev.type == 'cuda': torch.cuda.synchronize()
    m, losses, secs = train_surrogate(fam, bank, D.attrs, type(p)(**{**p.__dict__, 'iters': a.probe_steps}), size, P.seed, dev)
    if dev.type == 'cuda': torch.cuda.synchronize()
    res['probe'][fam] = {'ms_per_update': 1000*secs/a.probe_steps, 'params': sum(q.numel() for q in m.parameters()),
                         'finite': bool(all(np.isfinite(v) for l in losses for v in l.values()))}
    print(fam, res['probe'][fam], flush=True)

p = D.stargan                              # StarGAN at paper scale for the time budget
m, losses, secs = train_surrogate('stargan', FaceBank(imgs, attrs, dev), D.attrs, p, size, P.seed, dev,
                                  log_every=500, max_seconds=a.seconds)
rep = edit_report(m, xt, at)
res['stargan'] = {'updates': len(losses), 'seconds': secs, 'recon': rep['recon'], 'edit': rep['edit'], 'between': rep['between'],
                  'targets': rep['targets'], 'last_losses': losses[-1]}
print('stargan', {k: v for k, v in res['stargan'].items() if k != 'targets'}, flush=True)
with torch.no_grad(): cols_ = [xt[:8], m.reconstruct(xt[:8], at[:8])] + [m(xt[:8], t, at[:8]) for t in m.targets]
fig = plot_faces([[to_uint8(c[i]) for c in cols_] for i in range(8)], [['input', 'reconstruction', *m.targets]]*8)
fig.savefig(out/'paper_stargan_grid.png', dpi=80)
(out/'paper_scale.json').write_text(json.dumps(res, indent=1))
