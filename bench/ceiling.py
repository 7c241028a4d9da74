"""Is the per-model white-box ceiling converged? Per-image PGD against each zoo model alone, on the
validation faces (test faces 50-99), with more steps, a step schedule, restarts and the success
criterion's own loss, SR_mask recorded along the way.

    python bench/ceiling.py --out bench/results/ceiling_cpu.json     # every model, every setting
    python bench/ceiling.py --models stgan --settings mse-const --steps 10 20 --out x.json
    python bench/ceiling.py --joint stargan starganv2 stgan --weights 1 1 3 --settings mask-const \
        --steps 50 100 --out bench/results/ceiling_cpu.json    # one perturbation against all three

Needs the outputs of `dvc repro` up to `deepfakes`. Writes, per model and setting, SR_mask % (of the
8-bit protected faces, as the evaluation scores them) after each number of steps in `--steps` (one
run each: the first n steps of a run are a run of n steps; with restarts, the total only), and the
seconds taken, into `--out` (settings already there are kept); the curve beside it as a PNG, or
`python bench/ceiling.py --plot bench/results/ceiling_cpu.json`.
"""
import argparse, json, time
from pathlib import Path
import numpy as np
import torch
from dadfi.attacks import pgd_ceiling
from dadfi.evaluation import score
from dadfi.stage import bench_state

SETTINGS = {   # name: (loss, schedule, restarts)
    'mse-const': ('mse', 'const', 1),     # the field's PGD (Ruiz et al.): step 0.01, last iterate
    'mse-decay': ('mse', 'decay', 1),     # the step halved after 10, 30, 70, 150 steps
    'mask-const': ('mask', 'const', 1),   # the success criterion's own loss, saturating
    'mask-decay': ('mask', 'decay', 1),
    'mask-decay-r3': ('mask', 'decay', 3),   # three random starts, the best per face
}

ap = argparse.ArgumentParser()
ap.add_argument('--models', nargs='*')
ap.add_argument('--settings', nargs='*', default=list(SETTINGS))
ap.add_argument('--steps', nargs='*', type=int, default=[10, 20, 50, 100, 200])
ap.add_argument('--joint', nargs='*', help='one perturbation against these models at once, '
                'scored on each (stored under "joint")')
ap.add_argument('--weights', nargs='*', type=float, help='of each --joint model (default: 1 each)')
ap.add_argument('--out')
ap.add_argument('--plot', help='draw the curves of this JSON into a PNG beside it')
a = ap.parse_args()

def plot(path):
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    res = json.loads(Path(path).read_text())
    fig, axs = plt.subplots(1, len(res['models']), figsize=(3.6*len(res['models']), 3), squeeze=False)
    for ax, (k, runs) in zip(axs[0], res['models'].items()):   # each model alone
        for s, r in runs.items():
            ax.plot(list(map(int, r['sr_mask'])), list(r['sr_mask'].values()), marker='o',
                    label=s, color=f'C{list(SETTINGS).index(s)}')
        ax.set_xscale('log'); ax.set_title(k); ax.set_xlabel('PGD steps (all restarts)')
        ax.set_ylim(0, 100)
    axs[0][0].set_ylabel('SR_mask % (validation faces)')
    seen = {l: h for ax in axs[0] for h, l in zip(*ax.get_legend_handles_labels())}
    fig.legend(list(seen.values()), list(seen), fontsize=7, loc='lower right')
    fig.tight_layout(); fig.savefig(Path(path).with_suffix('.png'), dpi=100)

if a.plot: plot(a.plot); raise SystemExit
s = bench_state(targets=False)
res = json.loads(Path(a.out).read_text()) if a.out and Path(a.out).exists() else {}
res.update({'n': len(s.val_imgs), 'faces': 'validation (test faces 50-99)', 'lim': s.P.dadfi.lim,
            'step': s.P.dadfi.pgd_step, 'device': str(s.dev)})
tag = '+'.join(a.joint or []) + (f" w{'/'.join(f'{w:g}' for w in a.weights)}" if a.weights else '')
groups = {tag: a.joint} if a.joint else {k: [k] for k in a.models or s.models}
for k, ks in groups.items():
    ms, cache = {j: s.models[j] for j in ks}, {}
    out = res.setdefault('joint' if a.joint else 'models', {}).setdefault(k, {})
    def sr(d):
        r = score(ms, s.val_imgs, s.protect_with(d), s.val_attrs, cache=cache)['models']
        v = {j: round(100*x['success_mask'], 1) for j, x in r.items()}
        return v if a.joint else v[k]
    for name in a.settings:
        loss, sched, restarts = SETTINGS[name]
        r, t0, n = {'sr_mask': {}, 'seconds': {}}, time.time(), max(a.steps)
        def log(i, step, best):       # the first n steps of a run are a run of n steps
            if (restarts == 1 and step in a.steps) or (i, step) == (restarts - 1, n):
                r['sr_mask'][restarts*step], r['seconds'][restarts*step] = sr(best), round(
                    time.time() - t0, 1)
                print(k, name, restarts*step, r['sr_mask'][restarts*step], flush=True)
        pgd_ceiling(list(ms.values()), s.val_x, s.val_attrs, s.P.dadfi.lim, n, s.P.dadfi.pgd_step,
                    torch.Generator().manual_seed(s.P.seed), loss, sched, restarts,
                    weights=a.weights, log=log)
        out[name] = r
        if a.out: Path(a.out).write_text(json.dumps(res, indent=1))
if a.out and not a.joint: plot(a.out)
