"""What holds `Gen` back on a model: train it (stage train_dadfi's code) against `--models` with one
form of fine-tuning loss, a width and a number of training faces, and score the training faces (the
first 50) and the validation faces (test faces 50-99) on every zoo model as it trains.

    python bench/diagnose.py --models stgan --loss breaking --out bench/results/diag/stgan_breaking.json
    python bench/diagnose.py --models stgan --loss away --width 32 --faces all --out x.json
    python bench/diagnose.py --plot bench/results/diag/stgan_*.json --png stgan.png

Losses: `paper` (DADFI (paper): Ide_y alone, bound 0.1 and the hinge), and our direct terms on top of
it (`dadfi.finetuning`), `Gen` bounded at lim: `toward` (the targeted term: the former DADFI + direct,
DADFI-robust without its path), `away` (untargeted, in units of PGD's reach: the former
DADFI-spread), `breaking` (untargeted, in units of the success threshold: DADFI-breaking). `--faces all`
trains on every face of the embedded set outside the test split (their PGD targets made once and kept
in outputs/bench/). Needs `dvc repro` up to `pgd_targets`. Writes SR_mask % per model on both sets,
PSNR and training seconds after every `--every` epochs of fine-tuning.
"""
import argparse, json, time
from dataclasses import asdict, replace
from pathlib import Path
import numpy as np
import torch, yaml
from dadfi.evaluation import score
from dadfi.generation import project
from dadfi.stage import bench_state, stage_targets
from dadfi.train import train_dadfi, variants
from dadfi.zoo import attr_matrix

LOSSES = {'paper': ('paper', {}), 'toward': ('breaking', {'term': 'toward'}),
          'away': ('breaking', {'term': 'away'}), 'breaking': ('breaking', {})}


def plot(files, png):
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    runs = {Path(f).stem: json.loads(Path(f).read_text()) for f in files}
    models = sorted({k for r in runs.values() for k in r['models']})
    fig, axs = plt.subplots(1, len(models), figsize=(4.2*len(models), 3.2), squeeze=False)
    for ax, k in zip(axs[0], models):
        for i, (name, r) in enumerate(runs.items()):
            if k not in r['models']: continue
            t = [c['seconds'] for c in r['curve']]
            ax.plot(t, [c['val'][k] for c in r['curve']], color=f'C{i}', label=name)
            ax.plot(t, [c['train'][k] for c in r['curve']], color=f'C{i}', ls='--', lw=0.8)
        ax.set_title(f'{k} (solid: validation, dashed: training faces)', fontsize=8)
        ax.set_xlabel('training seconds'); ax.set_ylim(0, 100)
        if 'ceiling' in next(iter(runs.values())):
            c = next(iter(runs.values()))['ceiling'].get(k)
            if c: ax.axhline(c, color='k', lw=0.5, ls=':'); ax.axhline(0.8*c, color='r', lw=0.5)
    axs[0][0].set_ylabel('SR_mask %'); axs[0][-1].legend(fontsize=6)
    fig.tight_layout(); fig.savefig(png, dpi=100)


def table(files) -> str:
    "Per run: its settings, training seconds, and SR_mask % on its own models at the last score."
    rows = ['| run | models | loss | width | faces | epochs | training s | training faces SR_mask % '
            '| validation SR_mask % | PSNR dB |', '|---|---|---|---:|---:|---:|---:|---|---|---:|']
    for f in files:
        r = json.loads(Path(f).read_text()); a, c = r['args'], r['curve'][-1]
        sr = lambda k: ' / '.join(f"{c[k][m]:.1f}" for m in r['models'])
        rows.append(f"| {Path(f).stem} | {' '.join(r['models'])} | {a['loss']} | {a['width']} | "
                    f"{r['n_faces']} | {c['epoch']} | {c['seconds']:.0f} | {sr('train')} | "
                    f"{sr('val')} | {c['psnr_val']:.1f} |")
    return '\n'.join(rows)


def faces_all(s, p, size):
    "Every face outside the test split, with PGD targets for the models trained (made once)."
    test = set(s.splits['test'])
    fs = s.fs.subset([f for f in s.fs.files if f not in test])
    x, at = fs.batch(range(len(fs)), size).to(s.dev), attr_matrix(fs).to(s.dev)
    cache = s.root/'outputs/bench/targets_all.pt'
    saved = torch.load(cache, weights_only=True) if cache.exists() else {'advs': {}}
    ms = {k: s.models[k] for k in p.models}
    advs = {k: saved['advs'][k].float() if k in saved['advs'] and saved['files'] == fs.files
            else stage_targets(None, fs.files, size, {k: m}, x, at, p)[k] for k, m in ms.items()}
    cache.parent.mkdir(parents=True, exist_ok=True)
    torch.save({'files': fs.files, 'advs': {**saved['advs'], **{k: v.half() for k, v in advs.items()}}},
               cache)
    return x, at, advs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--models', nargs='+', default=['stgan'])
    ap.add_argument('--loss', choices=list(LOSSES), default='breaking')
    ap.add_argument('--width', type=int, default=16)
    ap.add_argument('--faces', choices=['train', 'all'], default='train')
    ap.add_argument('--epochs', type=int, default=25, help='fine-tuning epochs')
    ap.add_argument('--every', type=int, default=5, help='fine-tuning epochs between scores')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--dadfi', action='append', default=[], help='a dadfi key=value (YAML value)')
    ap.add_argument('--then', nargs='*', help='a curriculum: after --epochs, fine-tune against these '
                    'models for --then-epochs more')
    ap.add_argument('--then-epochs', type=int, default=25)
    ap.add_argument('--threads', type=int)
    ap.add_argument('--out')
    ap.add_argument('--plot', nargs='*'); ap.add_argument('--png')
    ap.add_argument('--table', nargs='*', help='a markdown table of these runs (their last score)')
    a = ap.parse_args()
    if a.plot: return plot(a.plot, a.png)
    if a.table: return print(table(a.table))
    if a.threads: torch.set_num_threads(a.threads)
    s = bench_state(); P, size = s.P, s.P.data.size
    key, extra = LOSSES[a.loss]
    kv = {k: yaml.safe_load(v) for k, v in (x.split('=', 1) for x in a.dadfi)}
    p = replace(variants(P.dadfi)[key], models=a.models, gen_width=a.width, epochs_ft=a.epochs,
                **extra, **kv)
    x, at, advs = ((s.x, s.attrs, s.advs) if a.faces == 'train' else faces_all(s, p, size))
    sets = {'train': (s.x[:50], s.attrs[:50]), 'val': (s.val_x, s.val_attrs)}
    # the training faces back to 8 bits (exact: they were read from 8-bit files)
    imgs = {'train': ((s.x[:50].permute(0, 2, 3, 1).cpu() + 1)*127.5).round().byte().numpy(),
            'val': s.val_imgs}
    out = Path(a.out or 'diagnose.json'); ck = out.with_suffix('.state.pt')
    res = {'args': vars(a), 'dadfi': {k: v for k, v in vars(p).items() if k != 'robust'},
           'n_faces': len(x), 'device': str(s.dev), 'models': a.then or a.models, 'curve': []}
    phases = [(p, p.epochs_gen + p.epochs_ft)]
    if a.then:                          # phase 2 resumes phase 1's state under its own params
        q = replace(p, models=a.then, epochs_ft=p.epochs_ft + a.then_epochs)
        phases.append((q, q.epochs_gen + q.epochs_ft))
    e0 = p.epochs_gen
    for i, (q, total) in enumerate(phases):
        if i:
            st = torch.load(ck, weights_only=False); st['params'] = asdict(q); torch.save(st, ck)
        for e in sorted({*range(e0, total, a.every), total} - {e0 if i else -1}):
            r = train_dadfi(x.cpu(), at.cpu(), advs, s.models, q, ck, a.seed + P.seed, s.dev,
                            log=lambda m: None, stop_after=e)
            _score(r, e, q, s, sets, imgs, res, out)
        e0 = total
    ck.unlink(missing_ok=True)


def _score(r, e, p, s, sets, imgs, res, out):
    "Score `r`'s generator on every set; append to `res` and write it."
    row = {'epoch': r['epoch'], 'seconds': round(r['seconds'], 1)}
    for name, (xs, ats) in sets.items():
        with torch.no_grad(): d = project(r['gen'](xs), p.lim)
        sc = score(s.models, imgs[name], s.protect_with(d, imgs[name]), ats)
        row[name] = {k: round(100*v['success_mask'], 1) for k, v in sc['models'].items()}
        row[f'psnr_{name}'] = round(sc['psnr'], 2)
    res['curve'].append(row); print(json.dumps(row), flush=True)
    out.write_text(json.dumps(res, indent=1))

if __name__ == '__main__': main()
