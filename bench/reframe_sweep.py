"""Which editor's path should DADFI-robust train through? (#22, part 2)

    python bench/reframe_sweep.py SHIFT FRAME JPEG_P [K]    # e.g. 3 0.1 0.0: DADFI-robust as params.yaml has it

Trains DADFI-breaking (seed 0, the stage's settings) through a random path: the editor's square up to FRAME larger
or smaller and up to SHIFT pixels off (any fraction; `dadfi.robust.reframe`), then half the
time a rescale by 0.75-1, then with probability JPEG_P a differentiable JPEG at 75-95 taken at up to K times Gen's
scale (the photo's own scale). Scores it along the real photos' editor path (stage photos' set, area and bicubic,
as saved and after whole-photo JPEG 75) and writes bench/results/variant/reframe_*.json. About 3 min each on the
2-core machine. Needs `dvc repro` up to pgd_targets. The path here is this script's own (the JPEG at the
photo's scale is not in `dadfi.robust.photo_path`), so that every row of bench/FINDINGS.md reruns as measured.
"""
import sys, time, json, math
from dataclasses import replace
import numpy as np, torch, torch.nn.functional as F
import dadfi.train as T
from dadfi.core import read_image, get_device
from dadfi.params import find_root
from dadfi.params import load_params
from dadfi.data import PHOTOS, registry_photo, load_dataset
from dadfi.robust import rescale, reframe, diff_jpeg, RESAMPLERS
from dadfi.stage import stage_splits, stage_targets
from dadfi.zoo import MODELS_DIR, load_zoo, attr_matrix
from dadfi.photos import photo_report
from dadfi.robust import trips
torch.set_num_threads(2)
SH, SC, PJ = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])   # shift px, scale spread, jpeg prob
K = int(sys.argv[4]) if len(sys.argv) > 4 else 1    # JPEG at up to K times Gen's scale (the photo's)

def path(x, r, g):
    u = lambda lo=0.0, hi=1.0: lo + (hi - lo)*torch.rand((), generator=g).item()
    i = lambda lo, hi: int(torch.randint(lo, hi + 1, (), generator=g))
    x = reframe(x, 1 + u(-SC, SC), u(-SH, SH), u(-SH, SH))
    if u() < 0.5: x = rescale(x, u(0.75, 1.0), RESAMPLERS[i(0, 2)])
    if u() < PJ:
        k, H = i(1, K), x.shape[-1]
        up = F.interpolate(x, size=(k*H, k*H), mode='bilinear', align_corners=False) if k > 1 else x
        x = diff_jpeg(up, i(75, 95))
        if k > 1: x = F.interpolate(x, size=(H, H), mode='area')
    return x.clamp(-1, 1)
T.photo_path = path
root = find_root(); P = load_params(root/'params.yaml'); dev = get_device('cpu')
p = replace(T.variants(P.dadfi)['breaking'], on_path=True)
fs = load_dataset(P.data.main, root); sp = stage_splits('outputs/data/splits.json', fs, P, root=root)
tr = fs.subset(sp['train']); x, at = tr.batch(range(len(tr)), P.data.size), attr_matrix(tr)
models = load_zoo(P, fs, models_dir=MODELS_DIR, root=root, device=dev)
known = {k: models[k] for k in p.models}
advs = stage_targets('outputs/pgd/targets.pt', sp['train'], P.data.size, known, x, at, p, root)
t0 = time.time()
tag = f'reframe_sh{SH}_sc{SC}_pj{PJ}' + (f'_k{K}' if K > 1 else '')
run = T.train_dadfi(x, at, advs, known, p, f'/tmp/{tag}.state.pt', 0, dev, log=lambda s: None)
secs = time.time() - t0
zoo = load_zoo(P, None, models_dir=MODELS_DIR, root=root, device=dev)
photos = {k: read_image(registry_photo(k)) for k in PHOTOS}
r = photo_report(zoo, {tag: [run['gen']]}, photos, [100, 200, 300, 400, 500], trips([75], []),
                 ['area', 'bicubic'], P.data.size, p.lim, dev)
out = {'train_seconds': secs, 'psnr': r['runs'][tag]['psnr'],
       'cells': {c: {m: v['success_mask'] for m, v in d.items()} for c, d in r['runs'][tag]['cells'].items()}}
json.dump(out, open(f'bench/results/variant/{tag}.json', 'w'), indent=1)
print(tag, round(secs), round(out['psnr'], 1))
for c, d in out['cells'].items(): print(f'  {c:20s}', {m: round(100*v, 1) for m, v in d.items()})
