"""What DADFI-robust + refine (ours, `dadfi.refine`) looks like: per photo, the face the protector finds,
as it was, protected by DADFI-robust in one pass (`lim` 0.05) and refined (`refine.lim`), side by side at
the face's own pixels; one PNG (not kept in git). Prints each photo's PSNR and its face's, one pass and
refined.

    python bench/refine_look.py [--photos obama@200 biden@400] [--seed 0] [--out outputs/bench/refine_look.png]

Needs `dvc repro train_dadfi`. About a minute on the 2-core machine.
"""
import argparse
import numpy as np
from PIL import Image
from dadfi.core import read_image
from dadfi.params import find_root, load_params
from dadfi.data import registry_photo, square_crop
from dadfi.robust import at_face_side
from dadfi.zoo import MODELS_DIR, load_zoo
from dadfi.train import load_gen
from dadfi.protect import face_psnr, protect_photo
from dadfi.metrics import psnr
from dadfi.refine import Refined


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--photos', nargs='+', default=['obama@200', 'biden@400'], help='NAME@FACE_SIDE')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default='outputs/bench/refine_look.png')
    a = ap.parse_args()
    root = find_root(); P = load_params(root/'params.yaml'); R, size = P.refine, P.data.size
    zoo = load_zoo(P, None, R.models, MODELS_DIR, root)
    gen, meta = load_gen(root/f'outputs/dadfi/gen_{R.start}_s{a.seed}.pt')
    rows = []
    for ph in a.photos:
        name, side = ph.split('@')
        img = at_face_side(read_image(registry_photo(name)), int(side))
        one, boxes = protect_photo(gen, img, size, meta['lim'])
        ref = protect_photo(Refined(gen, list(zoo.values()), R, size, a.seed), img, size, meta['lim'])[0]
        s = int(round(boxes[0][2]))
        print(ph, img.shape[:2], ' | '.join(f'{k}: photo {psnr(img, im):.1f} dB, face {face_psnr(img, im, boxes[0]):.1f}'
                                            for k, im in (('one pass', one), ('refined', ref))), flush=True)
        rows.append(np.concatenate([square_crop(im, s, boxes[0]) for im in (img, one, ref)], 1))
    w = max(r.shape[1] for r in rows)
    out = root/a.out; out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.concatenate([np.pad(r, ((0, 0), (0, w - r.shape[1]), (0, 0))) for r in rows])).save(out)
    print(f'{out}: original | DADFI-robust, lim {meta["lim"]} | + refine, lim {R.lim}')


if __name__ == '__main__': main()
