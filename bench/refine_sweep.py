"""DADFI-robust + refine (ours, `dadfi.refine`) on stage photos' real photos, one `Gen` seed and one
setting of `params.yaml` `refine` at a time: SR_mask per model along the editor's path (as saved and
after whole-photo JPEG 75, each of the editor's five filters), the PSNR of the photos and their faces,
and the seconds it took (refinement and scoring).

    python bench/refine_sweep.py --seed 0 --set targets=1 steps=250 --out bench/results/refine/E1_s0.json

Needs `dvc repro train_dadfi` (the surrogates and `outputs/dadfi/gen_<start>_s<seed>.pt`). About 8 minutes
a seed on the 2-core machine at 250 steps of one target (4 at 100 steps).
"""
import argparse, json, time
from dadfi.core import read_image
from dadfi.params import find_root, load_params
from dadfi.data import registry_photo
from dadfi.zoo import MODELS_DIR, load_zoo
from dadfi.train import load_gen
from dadfi.robust import trips
from dadfi.photos import photo_report
from dadfi.refine import REFINED, Refined


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--seed', type=int, default=0, help="the Gen's seed, and the refinement's")
    ap.add_argument('--set', nargs='*', default=[], help='refine.KEY=VALUE overrides')
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    root = find_root(); P = load_params(root/'params.yaml'); R, size = P.refine, P.data.size
    for kv in a.set:
        k, v = kv.split('=', 1); setattr(R, k, type(getattr(R, k))(v))
    zoo = load_zoo(P, None, None, MODELS_DIR, root)
    g = load_gen(root/f'outputs/dadfi/gen_{R.start}_s{a.seed}.pt')[0]
    photos = {k: read_image(registry_photo(k)) for k in P.photos.names}
    t = time.time()
    rep = photo_report(zoo, {REFINED: [Refined(g, [zoo[k] for k in R.models], R, size, a.seed)]},
                       photos, P.photos.sides, trips([75], []), P.photos.filters, size, P.dadfi.lim)
    rep |= {'seconds': round(time.time() - t), 'seed': a.seed, 'refine': vars(R)}
    (root/a.out).write_text(json.dumps(rep, indent=1))
    run = rep['runs'][REFINED]
    for k, v in run['cells'].items():
        print(k, {m: round(100*x['success_mask'], 1) for m, x in v.items()})
    print(f"PSNR {run['psnr']:.1f} dB, faces {run['psnr_faces']:.1f} dB; {rep['seconds']} s")


if __name__ == '__main__': main()
