"""Where the pixels come from: DADFI on the exact face crop a model sees, against `dadfi protect` on the whole photo.

    python bench/photo_path.py [--n 100]

Needs `outputs/dadfi/gen_protect.pt` and the surrogates of `dvc repro`. For each of the first N test faces of the
main dataset (CelebA's aligned 178×218 photos) it scores three paths, on every surrogate and target, with
the evaluation's success rate (SR_mask: masked distance between the edits above 0.05):

  crop:  protect the 64-pixel centre crop itself (what the evaluation does: the model sees the protected pixels);
  photo: `dadfi protect` on the whole photo, then the model's own preprocessing (centre square, resized to 64);
  square: protect the 178-pixel centre square, then resize to 64 (the same, without the crop's offset).
"""
import argparse
import numpy as np
import torch
from dadfi.core import *
from dadfi.params import *
from dadfi.params import *
from dadfi.data import load_dataset, square_crop
from dadfi.zoo import MODELS_DIR, load_zoo, attr_matrix
from dadfi.metrics import disruption, success_rates
from dadfi.protect import perturbations, apply_perturbation
from dadfi.stage import stage_splits
from dadfi.train import PROTECT_GEN, load_gen

ap = argparse.ArgumentParser(); ap.add_argument('--n', type=int, default=100); a = ap.parse_args()
root = find_root(); P = load_params(root/'params.yaml')
gen, meta = load_gen(root/PROTECT_GEN); size, lim = meta['size'], meta['lim']
fs = load_dataset(P.data.main, root)
models = load_zoo(P, fs, models_dir=MODELS_DIR, root=root)
te = fs.subset(stage_splits('outputs/data/splits.json', fs, P, root=root)['test'][:a.n])
attrs = attr_matrix(te)
protect = lambda img: apply_perturbation(img, perturbations(gen, [img], size, lim)[0])
clean, paths = [], {'crop': [], 'photo': [], 'square': []}
for i in range(len(te)):
    img = read_image(te.path(i)); c = square_crop(img, size); sq = square_crop(img, min(img.shape[:2]))
    clean.append(c)
    paths['crop'].append(protect(c))
    paths['photo'].append(square_crop(protect(img), size))
    paths['square'].append(square_crop(protect(sq), size))
x = to_tensor(np.stack(clean))
print(f"{len(te)} test faces of {te.name}, Gen trained on {meta.get('models')}, lim {lim}, {size} px; SR_mask %")
print(f"{'path':8s}" + ''.join(f"{k:>12s}" for k in models))
with torch.no_grad():
    for name, prot in paths.items():
        xa = to_tensor(np.stack(prot))
        print(f"{name:8s}" + ''.join(f"{100*success_rates(disruption(m, x, xa, attrs))['success_mask']:12.1f}" for m in models.values()))
