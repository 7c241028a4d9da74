"""The white-box ceiling on real photos (#22): how many of a model's edits can any perturbation within `dadfi.lim`
disrupt along the editor's path (its `default` cascade, its crop, each of its five filters), as saved and after
the whole photo is saved as JPEG 75?

Per photo, PGD through a differentiable copy of that path: the editor's boxes (found on the clean photo after
the trip, as stage `photos` finds them) and its filters are known; JPEG is `dadfi.robust.diff_jpeg` on a
16-aligned rectangle around the faces (the same 8x8 and 16x16 blocks as the whole photo's); each step takes
one trip and one filter at random (EOT). The perturbation is made two ways:
- `64 px`: as `dadfi protect` makes it: one 64-pixel perturbation per face the protector finds (`alt2`),
  scaled up into its box. The best any one-pass `Gen` of the default size could do.
- `photo px`: at the photo's own pixels, anywhere in the rectangle around the faces.
- `own boxes`: at the photo's own pixels, but blind to the editor's detector, as a protector is: its
  boxes are the protector's (`alt2`), each step each framed `--blind` N times at random (side ±frame,
  centre ±shift editor pixels; `--box-gaps` measures how the two detectors differ). With
  `--gen`, it starts from that `Gen`'s protection: a per-photo refinement of it (`--steps 0`: that
  protection itself, scored per face size).
All are then scored along the real path (8-bit rounding, Pillow's JPEG), as stage `photos` scores a `Gen`.

    python bench/photo_ceiling.py [--models stargan] [--steps 60] [--out bench/results/photo_ceiling.json]
    python bench/photo_ceiling.py --ways 'own boxes' --steps 200 --gen outputs/dadfi/gen_robust_s0.pt \
        --out bench/results/photo_ceiling_blind.json   # --jpeg-share 0.8: share of steps through JPEG 75

Needs `dvc repro deepfakes` (the surrogates; `train_dadfi` for `--gen`). About 10 minutes on the 2-core
machine for StarGAN, 13 for `own boxes` at 200 steps.
"""
import argparse, json, math, random, time
import numpy as np, torch
from dadfi.core import read_image
from dadfi.params import find_root, load_params
from dadfi.data import PHOTOS, detect_faces, registry_photo
from dadfi.robust import EDITOR_FILTERS, at_face_side, diff_jpeg, editor_views, jpeg, paste_face
from dadfi.protect import apply_perturbation, face_psnr, finite_mean, protect_photo, to_levels
from dadfi.metrics import edit_mask, psnr
from dadfi.attacks import STEP_SCHEDULES, masked_distance, success_share
from dadfi.evaluation import score
from dadfi.train import load_gen
from dadfi.zoo import MODELS_DIR, load_zoo
from dadfi.refine import box_crop as crop, face_rect as rect, jitter   # (crop: kept to valid pixels)

TRIPS = {'as saved': lambda im: im, 'jpeg75': lambda im: jpeg(im[None], 75)[0]}


def box_gaps(img):
    """Per box the editor finds in `img`: its side over the nearest protector's box's, and their
    centres' distance over that side."""
    centre, prot = (lambda b: (b[0] + b[2]/2, b[1] + b[2]/2)), detect_faces(img)
    near = lambda e: min(prot, key=lambda p: math.dist(centre(p), centre(e)))
    return [(round(e[2]/p[2], 3), round(math.dist(centre(p), centre(e))/p[2], 3))
            for e in detect_faces(img, cascade='default') if prot for p in [near(e)]]


def edits(models, c):
    "Each model's edit of the crops `c` per target, with its mask (`masked_distance`'s reference)."
    return {(i, t): (e := m(c, t, None), edit_mask(e, c)) for i, m in enumerate(models) for t in m.targets}


def attack(img, models, lim, size, steps, step, way, g, blind=(0.08, 2.5, 4), gen=None, jpeg_share=None):
    """The protected photo: PGD of the perturbation `way` through the random editor's path. Way `own boxes`:
    the protector's boxes, each step `blind[2]` framings of each by `jitter`(`blind[:2]`); `gen`: start
    from its protected photo (else at random); `jpeg_share`: the share of steps through JPEG 75 (else
    each trip the editor finds faces after, in turn at random)."""
    h, w = img.shape[:2]; prot_boxes = detect_faces(img)
    own = way == 'own boxes'                 # blind: nothing below uses the editor's boxes `ed`
    ed = {} if own else {t: detect_faces(f(img), cascade='default') for t, f in TRIPS.items()}
    if not prot_boxes or not (own or any(ed.values())): return img
    r = (rect(prot_boxes, h, w, 16 + 0.15*max(b[2] for b in prot_boxes)) if own     # room for `jitter`
         else rect([b for bs in ed.values() for b in bs] + prot_boxes, h, w))
    tens = lambda im: torch.from_numpy(im[r[1]:r[3], r[0]:r[2]].copy()).permute(2, 0, 1)[None].float()/127.5 - 1
    x = tens(img)
    if own: xt = {t: tens(f(img)) for t, f in TRIPS.items()}          # each step's clean edits made anew
    else: clean = {k: edits(models, torch.from_numpy(c).permute(0, 3, 1, 2).float()/127.5 - 1) if len(c) else {}
                   for k, (c, _) in editor_views(img, [], size, TRIPS, list(EDITOR_FILTERS)).items()}
    base = protect_photo(gen, img, size, lim)[0] if gen is not None else img   # kept outside `r`
    if way == '64 px': v = (torch.rand(len(prot_boxes), 3, size, size, generator=g)*2 - 1)*lim
    elif gen is not None: v = tens(base) - x
    else: v = (torch.rand(1, 3, r[3] - r[1], r[2] - r[0], generator=g)*2 - 1)*lim

    def whole(v):
        "The perturbation of the whole photo (3, h, w): `v` pasted into its boxes, or into `r`."
        acc, n = torch.zeros(3, h, w), torch.zeros(1, h, w)
        if way == '64 px':
            for d, b in zip(v, prot_boxes): paste_face(acc, n, d, b)
        else: acc[:, r[1]:r[3], r[0]:r[2]] = v[0]
        return acc/n.clamp(min=1)

    for k in range(steps):
        rt, ts = random.Random(k), [t for t in TRIPS if own or ed[t]]
        t = ('jpeg75' if rt.random() < jpeg_share else 'as saved') if jpeg_share is not None and len(ts) == 2 \
            else rt.choice(ts)
        f = random.Random(f'filter {k}').choice(list(EDITOR_FILTERS))   # (Random(-k) is Random(k))
        if own:
            bs = [jitter(b, *blind[:2], size, g) for b in prot_boxes for _ in range(blind[2])]
            with torch.no_grad(): cl = edits(models, torch.cat([crop(xt[t], b, r, size, f) for b in bs]))
        else: bs, cl = ed[t], clean[t, f]
        v.requires_grad_(True)
        z = (x + whole(v)[None, :, r[1]:r[3], r[0]:r[2]]).clamp(-1, 1)
        z = diff_jpeg(z, 75) if t == 'jpeg75' else z
        zc = torch.cat([crop(z, b, r, size, f) for b in bs])
        D = torch.stack([masked_distance(m(zc, tt, None), *cl[i, tt])
                         for i, m in enumerate(models) for tt in m.targets], 1)
        grad, = torch.autograd.grad(success_share(D, cap=2.0).sum(), v)
        v = (v.detach() + step*STEP_SCHEDULES['decay'](k)*grad.sign()).clamp(-lim, lim)
    with torch.no_grad(): out = apply_perturbation(img, to_levels(whole(v), lim))
    base = base.copy(); base[r[1]:r[3], r[0]:r[2]] = out[r[1]:r[3], r[0]:r[2]]
    return base


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--models', nargs='+', default=['stargan'])
    ap.add_argument('--steps', type=int, default=60)
    ap.add_argument('--ways', nargs='+', default=['64 px', 'photo px'])
    ap.add_argument('--sides', nargs='+', type=int, default=None)
    ap.add_argument('--blind', nargs=3, type=float, default=[0.08, 2.5, 4],
                    help="way 'own boxes': frame, shift (editor px), framings per step")
    ap.add_argument('--gen', default=None, help="way 'own boxes' starts from this Gen's protection")
    ap.add_argument('--lim', type=float, help="the perturbation's bound (default: the Gen's, else dadfi.lim)")
    ap.add_argument('--jpeg-share', type=float, default=None, help='share of steps through JPEG 75')
    ap.add_argument('--box-gaps', action='store_true', help="only compare the two detectors' boxes")
    ap.add_argument('--out', default='bench/results/photo_ceiling.json')
    ap.add_argument('--models-dir', default=MODELS_DIR)
    a = ap.parse_args()
    root = find_root(); P = load_params(root/'params.yaml'); size, lim = P.data.size, P.dadfi.lim
    names = ['stargan', 'starganv2', 'stgan', 'attgan']
    zoo = load_zoo(P, None, names, a.models_dir, root)
    for m in zoo.values(): m.requires_grad_(False)
    attacked = [zoo[k] for k in a.models]
    gen, meta = load_gen(root/a.gen) if a.gen else (None, {'lim': lim})
    lim = a.lim or meta['lim']                             # a Gen's own budget, unless given
    blind = (a.blind[0], a.blind[1], int(a.blind[2]))
    shown = [(n, s, im) for n in P.photos.names for s in (a.sides or P.photos.sides)
             if (im := at_face_side(read_image(registry_photo(n)), s)) is not None]
    if a.box_gaps:
        return (root/a.out).write_text(json.dumps({f'{n}@{s}': box_gaps(im) for n, s, im in shown}, indent=1))
    res = {'models_attacked': a.models, 'steps': a.steps, 'lim': lim, 'blind': blind, 'gen': a.gen,
           'gen_seed': meta.get('seed'),
           'jpeg_share': a.jpeg_share,
           'photos': [f'{n}@{s}' for n, s, _ in shown], 'ways': {}}
    for way in a.ways:
        t0, cells, db, db_faces = time.time(), {}, [], []
        for n, s, im in shown:
            prot = attack(im, attacked, lim, size, a.steps, P.dadfi.pgd_step, way, torch.Generator().manual_seed(0),
                          blind, gen if way == 'own boxes' else None, a.jpeg_share)
            for k, (c, ps) in editor_views(im, [prot], size, TRIPS, list(EDITOR_FILTERS)).items():
                for key in (' | '.join(k), ' | '.join(k) + f' | faces {s} px'):    # and per face size
                    cc, pp = cells.setdefault(key, ([], [])); cc.append(c); pp.append(ps[0])
            db.append(psnr(im, prot)); db_faces += [face_psnr(im, prot, b) for b in detect_faces(im)]
            print(way, f'{n}@{s}', f'{time.time() - t0:.0f} s', flush=True)
        res['ways'][way] = {k: {m: round(100*v['success_mask'], 1) for m, v in
                                score(zoo, np.concatenate(c), np.concatenate(p), None)['models'].items()}
                            for k, (c, p) in cells.items() if sum(map(len, c))}
        res['ways'][way]['n_faces'] = int(sum(map(len, cells['as saved | area'][0])))
        res['ways'][way]['seconds'] = round(time.time() - t0)
        res['ways'][way]['psnr'] = {'photo': round(finite_mean(db), 1),     # (unchanged: inf)
                                    'faces': round(finite_mean(db_faces), 1)}
        print(way, json.dumps(res['ways'][way], indent=1), flush=True)
    (root/a.out).write_text(json.dumps(res, indent=1))


if __name__ == '__main__': main()
