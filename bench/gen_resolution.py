"""Run Gen at a larger size than it was trained at? (#22) The real photos of stage `photos`, protected with Gen
run on each face cut at 64 (as trained), 96 or 128 px (faces at least that large), scored along the editor's path
(its `default` cascade, area, as saved) on StarGAN and StarGAN-v2, seed 1 of DADFI-breaking and DADFI-robust.

    python bench/gen_resolution.py        # about 40 s on the 2-core machine; needs `dvc repro` up to train_dadfi
"""
import numpy as np, torch
from dadfi.core import read_image
from dadfi.params import find_root
from dadfi.params import load_params
from dadfi.data import PHOTOS, registry_photo
from dadfi.robust import at_face_side, editor_views, trips
from dadfi.protect import protect_photo
from dadfi.evaluation import score
from dadfi.train import load_gen
from dadfi.zoo import MODELS_DIR, load_zoo
root = find_root(); P = load_params(root/'params.yaml')
models = load_zoo(P, None, ['stargan', 'starganv2'], MODELS_DIR, root)
for run in ['breaking', 'robust']:
    gen = load_gen(root/f'outputs/dadfi/gen_{run}_s1.pt')[0]
    for gs in [64, 96, 128]:
        c, p = [], []
        for name in PHOTOS:
            for side in P.photos.sides:
                im = at_face_side(read_image(registry_photo(name)), side)
                if im is None or side < gs: continue
                prot = protect_photo(gen, im, gs, 0.05)[0]
                v = editor_views(im, [prot], 64, trips([], []), ['area'])['as saved', 'area']
                c.append(v[0]); p.append(v[1][0])
        sc = score(models, np.concatenate(c), np.concatenate(p), None)
        print(run, 'Gen at', gs, 'px', len(np.concatenate(c)), {m: round(100*v['success_mask'], 1) for m, v in sc['models'].items()}, flush=True)
