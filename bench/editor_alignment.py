"""What of the trip to the editor breaks a protected face? (#22)

    python bench/editor_alignment.py [--run breaking] [--seed 1] [--out bench/results/editor_alignment.json]

Needs `dvc repro` up to train_dadfi. Protects the real photos of stage `photos` (dadfi.data.PHOTOS, largest face
100-500 px) with one generator as `dadfi protect` does, then cuts each face out again and scales it to the model's
size in several ways: with the protector's own boxes (the `alt2` cascade: perfect alignment) or the editor's
(`default` cascade), area or bicubic; and the protector's boxes moved by a fraction of a 64-px pixel or scaled by
±3%. Prints and writes SR_mask % per way on StarGAN and StarGAN-v2: how much the resampling costs, how much the
misalignment.
"""
import argparse, json
import numpy as np, torch
from dadfi.core import read_image
from dadfi.params import find_root
from dadfi.params import load_params
from dadfi.data import PHOTOS, detect_faces, registry_photo
from dadfi.evaluation import score
from dadfi.robust import at_face_side, editor_crop
from dadfi.protect import protect_photo
from dadfi.train import load_gen
from dadfi.zoo import MODELS_DIR, load_zoo

ap = argparse.ArgumentParser()
ap.add_argument('--run', default='breaking'); ap.add_argument('--seed', type=int, default=1)
ap.add_argument('--out', default='bench/results/editor_alignment.json')
a = ap.parse_args()
root = find_root(); P = load_params(root/'params.yaml'); size, lim = P.data.size, P.dadfi.lim
models = load_zoo(P, None, ['stargan', 'starganv2'], MODELS_DIR, root)
gen = load_gen(root/f'outputs/dadfi/gen_{a.run}_s{a.seed}.pt')[0]
ways = {'protector box, area': lambda bs, im: (bs, 'area'),
        'protector box, bicubic': lambda bs, im: (bs, 'bicubic'),
        'editor box, area': lambda bs, im: (detect_faces(im, cascade='default'), 'area'),
        'editor box, bicubic': lambda bs, im: (detect_faces(im, cascade='default'), 'bicubic')}
ways |= {f'protector box moved {d} px, area': (lambda bs, im, d=d: (
    [(x + d*s/size, y, s) for x, y, s in bs], 'area')) for d in (0.25, 0.5, 1.0)}
ways |= {f'protector box scaled {f}, area': (lambda bs, im, f=f: (
    [(x + s*(1 - f)/2, y + s*(1 - f)/2, s*f) for x, y, s in bs], 'area')) for f in (0.97, 1.03)}
crops = {w: ([], []) for w in ways}
for name in PHOTOS:
    for side in P.photos.sides:
        im = at_face_side(read_image(registry_photo(name)), side)
        if im is None: continue
        prot, boxes = protect_photo(gen, im, size, lim)
        for w, f in ways.items():
            bs, filt = f(boxes, im)
            for l, src in zip(crops[w], (im, prot)):
                l.append(np.stack([editor_crop(src, b, size, filt) for b in bs]))
res = {}
for w, (c, p) in crops.items():
    sc = score(models, np.concatenate(c), np.concatenate(p), None)
    res[w] = {'n_faces': int(sum(map(len, c))),
              **{m: round(100*v['success_mask'], 1) for m, v in sc['models'].items()}}
    print(w, res[w], flush=True)
json.dump({'run': a.run, 'seed': a.seed, 'ways': res}, open(a.out, 'w'), indent=1)
