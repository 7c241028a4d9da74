"""Can `Gen` disrupt a model at all? Fine-tune a generator of stage train_dadfi (`--gen`; the finding of
bench/FINDINGS.md fine-tuned the former `gen_direct.pt`, at commit 65a677c) against one model
alone for a fixed time, with either the direct term's targeted loss (the edit pulled towards the PGD
target's edit) or the untargeted one (the edit pushed away from the clean edit), then score the
training faces and the validation faces (test faces 50-99) on every model of the zoo.

    python bench/gen_fit.py --loss untargeted --model starganv2 --seconds 300

Needs the outputs of `dvc repro` up to `train_dadfi`. Prints SR_mask % per model on both sets.
"""
import argparse, time
import numpy as np
import torch
import torch.nn.functional as F
from dadfi.params import find_root
from dadfi.params import load_params
from dadfi.data import load_dataset
from dadfi.evaluation import score
from dadfi.attacks import clean_edits, edit_distance
from dadfi.finetuning import dadfi_adam
from dadfi.generation import project
from dadfi.methods import GenMethod
from dadfi.stage import stage_splits
from dadfi.train import load_gen
from dadfi.zoo import MODELS_DIR, load_zoo, attr_matrix

ap = argparse.ArgumentParser()
ap.add_argument('--loss', choices=['targeted', 'untargeted'], required=True)
ap.add_argument('--model', default='starganv2')
ap.add_argument('--seconds', type=float, default=300)
ap.add_argument('--lr', type=float, default=2e-4)
ap.add_argument('--gen', default='outputs/dadfi/gen_robust_s0.pt')
a = ap.parse_args()
torch.manual_seed(0)
root = find_root(); P = load_params(root/'params.yaml'); size, lim = P.data.size, P.dadfi.lim
fs = load_dataset(P.data.main, root); sp = stage_splits('outputs/data/splits.json', fs, P, root=root)
models = load_zoo(P, fs, models_dir=MODELS_DIR, root=root, device='cpu'); m = models[a.model]
tr = fs.subset(sp['train']); x, at = tr.batch(range(len(tr)), size), attr_matrix(tr)
adv = torch.load(root/'outputs/pgd/targets.pt', weights_only=True)['advs'][a.model].float()
gen = load_gen(root/a.gen)[0].train().requires_grad_(True)
opt, t0, steps = dadfi_adam(gen.parameters(), a.lr), time.time(), 0
while time.time() - t0 < a.seconds:
    ix = torch.randint(0, len(x), (16,)); xb, ab = x[ix], at[ix]
    xa = xb + project(gen(xb), lim)
    if a.loss == 'untargeted':
        loss = -edit_distance([m], xa, ab, clean_edits([m], xb, ab)).mean()
    else:
        loss = sum(F.mse_loss(m(xa, t, ab), m(xb + adv[ix], t, ab).detach()) for t in m.targets)
    opt.zero_grad(); loss.backward(); opt.step(); steps += 1
print(f"{steps} updates in {time.time() - t0:.0f} s", flush=True)
gen.eval()
for name, files in (('train', sp['train'][:50]), ('validation', sp['test'][P.evaluation.n_images:])):
    s = fs.subset(files); imgs = np.stack([s.image(i, size) for i in range(len(s))])
    prot, _ = GenMethod(gen, lim, a.loss).protect(imgs, attr_matrix(s))
    r = score(models, imgs, prot, attr_matrix(s))['models']
    print(a.loss, name, {k: round(100*v['success_mask'], 1) for k, v in r.items()}, flush=True)
