"""Which photo path makes DADFI-robust survive: train it with other `dadfi.robust` settings and score it on
validation faces (test faces 50-99 of the main dataset, which the evaluation, n_images 50, never scores).

    python bench/robust_sweep.py --set p=0.8 --set jpeg=[70,95] --threads 1 --out sweep_p08.json
    python bench/robust_sweep.py --method eot --set p=1.0 --out eot.json   # EOT-PGD on the same faces
    python bench/robust_sweep.py --variant breaking --dadfi gen_width=64 --out w64.json  # other settings
    python bench/robust_sweep.py --variant robust --dadfi term=away --out s.json  # the former spread + path
    python bench/robust_sweep.py --set side=128 --photos --out side128.json  # scored on stage photos' set
    python bench/robust_sweep.py --dadfi lim=0.1 --seed 1 --photos --save-gen g.pt --out l.json  # PGD targets: 0.05
    python bench/robust_sweep.py --method noise --dadfi lim=0.1 --photos --out n.json  # the noise floor there

Needs the outputs of `dvc repro` up to `pgd_targets` (surrogates, PGD targets, splits). Prints and writes SR_mask
per model after each of the evaluation's transforms (the clean face through the same transform), PSNR, and the
training seconds; with --photos, instead, SR_mask on stage photos' real photos as saved and after whole-photo
JPEG 75, through each of the editor's filters (`dadfi.photos.photo_report`).
"""
import argparse, json, time
from dataclasses import fields, replace
import numpy as np
import cv2, torch, yaml
from dadfi.core import get_device, read_image
from dadfi.params import find_root
from dadfi.params import load_params
from dadfi.data import load_dataset
from dadfi.evaluation import score
from dadfi.robust import transforms, in_photo, trips
from dadfi.data import registry_photo
from dadfi.photos import NoiseGen, photo_report
from dadfi.methods import GenMethod, EOTPGDMethod, normalised
from dadfi.stage import stage_splits, stage_targets
from dadfi.train import save_gen, train_dadfi, variants
from dadfi.zoo import MODELS_DIR, load_zoo, attr_matrix

ap = argparse.ArgumentParser()
ap.add_argument('--set', action='append', default=[], help='a dadfi.robust key=value (YAML value)')
ap.add_argument('--dadfi', action='append', default=[], help='a dadfi key=value (YAML value)')
ap.add_argument('--variant', choices=['robust', 'breaking'], default='robust',
                help='the run trained')
ap.add_argument('--method', choices=['gen', 'eot', 'noise'], default='gen')
ap.add_argument('--steps', type=int, help='EOT-PGD steps (default evaluation.eot_steps)')
ap.add_argument('--photos', action='store_true', help="score on stage photos' real photos")
ap.add_argument('--threads', type=int)
ap.add_argument('--seed', type=int, help='the training seed (default: params seed)')
ap.add_argument('--save-gen', help="where to save the trained Gen (for bench/photo_ceiling.py --gen)")
ap.add_argument('--out', required=True)
a = ap.parse_args()
if a.method == 'noise' and not a.photos: ap.error('--method noise needs --photos')
if a.save_gen and a.method != 'gen': ap.error('--save-gen needs --method gen')
if a.threads: torch.set_num_threads(a.threads)
root = find_root(); P = load_params(root/'params.yaml'); p, E = P.dadfi, P.evaluation
kv = lambda sets: {k: yaml.safe_load(v) for k, v in (s.split('=', 1) for s in sets)}
d = kv(a.dadfi)                  # as stage train_dadfi trains it from `p` with `d`: `lim` sets our `bound`
ours = replace(variants(replace(p, **{k: d[k] for k in d.keys() & {f.name for f in fields(p)}}))[a.variant], **d)
r = replace(ours.robust, **kv(a.set))
p, dev, size = replace(ours, robust=r), get_device(P.device), P.data.size
fs = load_dataset(P.data.main, root)
sp = stage_splits('outputs/data/splits.json', fs, P, root=root)
tr, va = fs.subset(sp['train']), fs.subset(sp['test'][E.n_images:])
models = load_zoo(P, fs, models_dir=MODELS_DIR, root=root, device=dev)
known = {k: models[k] for k in p.models}
t0, seed = time.time(), P.seed if a.seed is None else a.seed
x, at = tr.batch(range(len(tr)), size), attr_matrix(tr)
advs = stage_targets('outputs/pgd/targets.pt', sp['train'], size, known, x, at, p, root)
if a.method == 'gen':
    run = train_dadfi(x, at, advs, known, p, root/f'{a.out}.state.pt', seed, dev,
                      log=lambda s: None, gen_faces=p.gen_faces(tr, x))
    method = GenMethod(run['gen'], p.lim, a.variant)
    if a.save_gen: save_gen(run['gen'], p, a.save_gen, size=p.side(size), models=p.models, seed=seed)
elif a.method == 'noise': run = {'gen': NoiseGen(p.lim, seed)}     # random ±lim: with --photos only
else:                                            # as the evaluation: each model normalised
    fair = normalised(known, x.to(dev), at.to(dev), advs)
    method = EOTPGDMethod(fair, p.lim, r, a.steps or E.eot_steps, p.pgd_step, seed)
fit = time.time() - t0
if a.photos:
    F = P.photos
    shots = {k: read_image(registry_photo(k)) for k in F.names}
    rep = photo_report(models, {'run': [run['gen']]}, shots, F.sides, trips([75], []), F.filters, size,
                       p.lim, dev)['runs']['run']
    res = {'robust': vars(r), 'dadfi': d, 'method': a.method, 'seed': seed, 'fit_seconds': fit,
           'psnr': rep['psnr'],
           'sr_mask': {c: {k: round(100*v['success_mask'], 1) for k, v in m.items()}
                       for c, m in rep['cells'].items()}}
    for c, v in res['sr_mask'].items(): print(f"{c:28s}", v)
    (root/a.out).write_text(json.dumps(res, indent=1))
    raise SystemExit(print(f"PSNR {res['psnr']:.1f} dB, fit {fit:.0f} s"))
imgs, attrs = np.stack([va.image(i, size) for i in range(len(va))]), attr_matrix(va)
photos = [read_image(va.path(i)) for i in range(len(va))]
tx = {'none': lambda c, u: (c, u), **transforms(E.jpeg, E.resize), 'photo': lambda c, u: in_photo(c, u, photos)}
prot, secs = method.to(dev).protect(imgs, attrs)
res = {'robust': vars(r), 'dadfi': d, 'variant': a.variant,
       'device': str(dev), 'method': a.method, 'fit_seconds': fit, 'n': len(va),
       'psnr': score({}, imgs, prot, attrs)['psnr'], 'sr_mask': {}}
for tn, f in tx.items():
    if tn == 'photo' and not hasattr(cv2, 'CascadeClassifier'):
        print("photo: skipped (this OpenCV has no Haar cascade)"); continue
    s = score(models, *f(imgs, prot), attrs)['models']
    res['sr_mask'][tn] = {k: round(100*v['success_mask'], 1) for k, v in s.items()}
    print(f"{tn:10s}", res['sr_mask'][tn], flush=True)
    (root/a.out).write_text(json.dumps(res, indent=1))        # each transform as it is done
print(f"PSNR {res['psnr']:.1f} dB, fit {fit:.0f} s")
