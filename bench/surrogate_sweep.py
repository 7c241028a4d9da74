"""Run `surrogate_curve.py` for many recipes at once, each in its own process with one thread (for a machine with
many cores or a GPU), each for at most `--seconds`; gather the curves in one JSON.

    python bench/surrogate_sweep.py --seconds 400 --out sweep_out

The recipes below are the ones the `deepfakes` stage's default was chosen from (see the README).
"""
import argparse, json, subprocess, sys
from pathlib import Path

S16 = {'conv_dim': 16, 'repeat_num': 3}
A4 = {'enc_dim': 16, 'dec_dim': 16, 'n_layers': 4, 'shortcut_layers': 1, 'inject_layers': 1}
A3 = {**A4, 'n_layers': 3}
T4 = {'enc_dim': 16, 'dec_dim': 16, 'stu_dim': 16, 'n_layers': 4, 'stu_layers': 3}
T3 = {**T4, 'n_layers': 3, 'stu_layers': 2}
V16 = {'dim_in': 16, 'max_conv_dim': 64, 'style_dim': 16, 'latent_dim': 8, 'hidden': 64, 'w_hpf': 0}
V32 = {'dim_in': 32, 'max_conv_dim': 128, 'style_dim': 32, 'latent_dim': 8, 'hidden': 128, 'w_hpf': 0}
RECIPES = {
    'stargan_c16': dict(family='stargan', arch=S16),
    'stargan_c16_b8': dict(family='stargan', arch=S16, batch_size=8),
    'stargan_c16_lr5e-4': dict(family='stargan', arch=S16, lr=5e-4),
    'stargan_c32': dict(family='stargan', arch={'conv_dim': 32, 'repeat_num': 4}),
    'attgan_n4': dict(family='attgan', arch=A4),
    'attgan_n3': dict(family='attgan', arch=A3),
    'attgan_n3_b8': dict(family='attgan', arch=A3, batch_size=8),
    'attgan_n4_sc2': dict(family='attgan', arch={**A4, 'shortcut_layers': 2}),
    'attgan_n4_128px': dict(family='attgan', arch=A4, size=128),
    'stgan_n4': dict(family='stgan', arch=T4),
    'stgan_n3': dict(family='stgan', arch=T3),
    'stgan_n3_b8': dict(family='stgan', arch=T3, batch_size=8),
    'starganv2_d16': dict(family='starganv2', arch=V16, iters=8000, every=250),
    'starganv2_d16_ema99': dict(family='starganv2', arch=V16, iters=8000, every=250, ema=0.99),
    'starganv2_d16_lr3e-4': dict(family='starganv2', arch=V16, iters=8000, every=250, lr=3e-4, ema=0.99),
    'starganv2_d32': dict(family='starganv2', arch=V32, iters=8000, every=250),
}

ap = argparse.ArgumentParser()
ap.add_argument('--seconds', type=float, default=400)
ap.add_argument('--only', nargs='*')
ap.add_argument('--every', type=int, help='updates between measurements, for every recipe')
ap.add_argument('--save', nargs='*', default=[], help='recipes whose final checkpoint to keep')
ap.add_argument('--out', default='sweep_out')
a = ap.parse_args()
out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
procs = {}
for name, r in RECIPES.items():
    if a.only and name not in a.only: continue
    cmd = [sys.executable, str(Path(__file__).parent/'surrogate_curve.py'), '--family', r['family'], '--threads', '1',
           '--iters', str(r.get('iters', 100000)), '--every', str(a.every or r.get('every', 500)), '--arch', json.dumps(r['arch']),
           '--max-seconds', str(a.seconds), '--out', str(out/f'{name}.json')]
    for k in ('size', 'batch_size', 'lr', 'ema'):
        if k in r: cmd += [f"--{k.replace('_', '-')}", str(r[k])]
    if name in a.save: cmd += ['--save', str(out/f'{name}.pt')]
    procs[name] = subprocess.Popen(cmd, stdout=open(out/f'{name}.log', 'w'), stderr=subprocess.STDOUT)
res = {}
for name, p in procs.items():
    p.wait()
    f = out/f'{name}.json'
    res[name] = json.loads(f.read_text()) if f.exists() else {'error': (out/f'{name}.log').read_text()[-2000:]}
(out/'sweep.json').write_text(json.dumps(res, indent=1))
for name, r in res.items():
    c = r.get('curve') or []
    print(f"{name:24s} {r.get('updates', 0):6d} updates  last {json.dumps(c[-1]) if c else r.get('error', '')[-300:]}")
