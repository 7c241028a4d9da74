"""Protection throughput: DADFI's Gen (one forward pass) against per-image PGD (10 steps over the same n models).

    python bench/protect_speed.py [--params params.yaml] [--n-gen 64] [--n-pgd 4] [--batch 16]

Both protect the same test faces at the pipeline's size; PGD runs image by image (as a person protecting
one photo would), Gen in batches and also one image at a time. Prints images per second and the ratio,
measured in this one run, on whatever device params.yaml's `device` picks. Uses the trained Gen and
surrogates of `dvc repro` when present (speed does not depend on the weights; untrained ones otherwise).
"""
import argparse, time
import numpy as np
import torch
from dadfi.core import *
from dadfi.params import *
from dadfi.params import *
from dadfi.data import load_dataset, make_splits
from dadfi.checkpoints import build_deepfake
from dadfi.surrogates import generator_arch
from dadfi.zoo import MODELS_DIR, ZooModel, load_zoo, attr_matrix, model_params, to_train
from dadfi.attacks import pgd
from dadfi.generation import Gen
from dadfi.protect import perturbations
from dadfi.train import PROTECT_GEN, load_gen

ap = argparse.ArgumentParser()
ap.add_argument('--params', default='params.yaml'); ap.add_argument('--n-gen', type=int, default=64)
ap.add_argument('--n-pgd', type=int, default=4); ap.add_argument('--batch', type=int, default=16)
a = ap.parse_args()
root = find_root(); P = load_params(root/a.params); p, size = P.dadfi, P.data.size
dev = get_device(P.device)
sync = (lambda: torch.cuda.synchronize()) if dev.type == 'cuda' else (lambda: None)
print(f"device: {torch.cuda.get_device_name() if dev.type == 'cuda' else 'cpu'} ({torch.get_num_threads()} threads), torch {torch.__version__}, size {size}")
faces = load_dataset(P.data.main, root)
te = faces.subset(make_splits(faces, P.data.n_train, P.data.n_test, P.seed)['test'])
n = max(a.n_gen, a.n_pgd)
imgs = [te.image(i % len(te), size) for i in range(n)]
attrs = attr_matrix(te)[[i % len(te) for i in range(n)]].to(dev)
trained = (root/PROTECT_GEN).exists() and all((root/'outputs'/'deepfakes'/f'{k}.pt').exists() for k in to_train(P))
if trained:
    gen, _ = load_gen(root/PROTECT_GEN, dev)
    models = list(load_zoo(P, faces, p.models, MODELS_DIR, root, dev).values())
else:
    gen = Gen(p.gen_width, p.bound).to(dev).eval()
    qs = {k: model_params(P, k) for k in p.models}                # untrained, at the widths params.yaml trains
    models = [ZooModel(build_deepfake(k, q.targets, image_size=q.size, **generator_arch(q)), q.size).to(dev).eval().requires_grad_(False) for k, q in qs.items()]
print(f"weights: {'trained (outputs/)' if trained else 'untrained'}; models: {p.models}")

def timed(f):
    f(); sync(); t = time.perf_counter(); f(); sync(); return time.perf_counter() - t   # one warm-up, one timed run

t_gen = timed(lambda: [perturbations(gen, imgs[b:b + a.batch], size, p.lim, dev) for b in range(0, a.n_gen, a.batch)])
t_gen1 = timed(lambda: [perturbations(gen, [imgs[i]], size, p.lim, dev) for i in range(a.n_gen)])
x = to_tensor(np.stack(imgs[:a.n_pgd])).to(dev)
t_pgd = timed(lambda: [pgd(models, x[i:i + 1], attrs[i:i + 1], p.lim, 10, 0.01) for i in range(a.n_pgd)])
r_gen, r_gen1, r_pgd = a.n_gen/t_gen, a.n_gen/t_gen1, a.n_pgd/t_pgd
print(f"Gen, batches of {a.batch}:   {r_gen:10.1f} images/s")
print(f"Gen, one image at a time: {r_gen1:10.1f} images/s")
print(f"per-image PGD, 10 steps over {len(models)} models: {r_pgd:10.3f} images/s")
print(f"ratio Gen (batched) / PGD: {r_gen/r_pgd:.0f}x;  Gen (one at a time) / PGD: {r_gen1/r_pgd:.0f}x")
