"The repository as a whole: notebooks and package in step, DVC's hash, the pipeline end to end, README and CI."
import importlib, inspect, json, math, os, re, shutil, subprocess, sys
from pathlib import Path
import pytest
import yaml
from conftest import ROOT, BIN
from nbdev.config import get_config
from nbdev.doclinks import nbglob
from nbdev.test import test_nb as run_nb
from dadfi.embedded import dvc_dir_md5
from dadfi.testing import OFFICIAL_FILES, fake_official
from dadfi.checkpoints import load_deepfake
from dadfi.params import load_params, params_yaml
from dadfi.surrogates import TINY_ARCH
from dadfi.train import protect_choice
from dadfi.docsite import broken_links, build_site, front_matter, page_path


def run(cmd, cwd, path_first: Path | None = None, **kw):
    env = {**os.environ, 'PATH': os.pathsep.join([*([str(path_first)] if path_first else []), str(BIN), os.environ['PATH']])}
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, shell=isinstance(cmd, str), **kw)
    assert r.returncode == 0, f"{cmd} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r.stdout


def tree_files():
    "The files git tracks, plus the untracked ones it does not ignore."
    out = run(['git', 'ls-files', '--cached', '--others', '--exclude-standard', '-z'], ROOT)
    return sorted(f for f in out.split('\0') if f and (ROOT/f).is_file())


def copy_tree(dest: Path) -> list[str]:
    files = tree_files()
    for f in files:
        (dest/f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT/f, dest/f)
    return files


def test_nbdev_export_and_clean_leave_tree_unchanged(tmp_path):
    files = copy_tree(tmp_path)
    run([str(BIN/'nbdev-export')], tmp_path)
    run([str(BIN/'nbdev-clean')], tmp_path)
    changed = [f for f in files if (tmp_path/f).read_bytes() != (ROOT/f).read_bytes()]
    new = sorted(set(str(p.relative_to(tmp_path)) for p in (tmp_path/'dadfi').rglob('*.py')) - set(files))
    assert not changed and not new, f"run nbdev-export and nbdev-clean, then commit: changed {changed}, new {new}"


def _sidebar_entries(node) -> list[str]:
    "Every notebook a Quarto sidebar tree names."
    if isinstance(node, str): return [node]
    if isinstance(node, list): return [e for n in node for e in _sidebar_entries(n)]
    return _sidebar_entries(node.get('contents', []))


def _own_doc(cls, name) -> bool:
    "Whether method `name` of `cls` has a docstring, its own or that of the method it overrides."
    return any(getattr(vars(c).get(name), '__doc__', None) for c in cls.__mro__ if name in vars(c))


def test_docs_site(tmp_path):
    """`dadfi docs` (dadfi.docsite) builds the site into a scratch folder: nbdev's processing runs every
    notebook's documentation cells (show_doc, imports, `exec_doc`; it stops on any error), Sphinx renders
    them, and every internal link resolves; every notebook and guide page has its page; every exported
    function and class has a docstring and a rendered `show_doc`, every public method a docstring; the
    sidebar lists every notebook once."""
    files = copy_tree(tmp_path)
    site = build_site(tmp_path, tmp_path/'_site')          # stops on a Sphinx error or a broken internal link
    changed = [f for f in files if (tmp_path/f).read_bytes() != (ROOT/f).read_bytes()]
    assert not changed, f"nbdev's docs preparation rewrote {changed}: commit what it writes (nbs/nbdev.yml, nbs/_quarto.yml)"
    assert not (ROOT/'nbs'/get_config(ROOT).readme_nb).exists(), 'README.md is written by hand: nbdev-readme must not render over it'
    nbs = sorted(p.relative_to(ROOT/'nbs').as_posix() for p in nbglob(ROOT/'nbs', as_path=True))
    assert all((tmp_path/'_proc'/n).exists() for n in nbs)
    listed = _sidebar_entries(yaml.safe_load((ROOT/'nbs'/'sidebar.yml').read_text())['website']['sidebar'])
    assert sorted(listed) == nbs, f"nbs/sidebar.yml must list every notebook once: {sorted(set(nbs) ^ set(listed))}"
    problems, n_shown = [], 0
    for n in nbs:
        src = json.loads((ROOT/'nbs'/n).read_text())
        mod = next((re.search(r'#\|\s*default_exp\s+(\S+)', ''.join(c['source'])).group(1) for c in src['cells']
                    if c['cell_type'] == 'code' and re.search(r'#\|\s*default_exp\s', ''.join(c['source']))), None)
        proc = json.loads((tmp_path/'_proc'/n).read_text())
        flagged = {c['id'] for c in src['cells'] if c['cell_type'] == 'code' and '#| exec_doc' in ''.join(c['source'])}
        problems += [f"{n}: exec_doc cell {c['id']} has no output" for c in proc['cells'] if c.get('id') in flagged and not c.get('outputs')]
        if not mod: continue
        shown = {}
        for c in proc['cells']:
            m = re.search(r'^show_doc\((\w+)\)', ''.join(c.get('source', '')), flags=re.M)
            if m and c.get('outputs'):      # the rendered markdown, with nbdev's links around `names` taken out again
                md = ''.join(c['outputs'][0].get('data', {}).get('text/markdown', ''))
                shown[m.group(1)] = re.sub(r'\[(`[^`]+`)\]\([^)]*\)', r'\1', md)
        module = importlib.import_module(f'dadfi.{mod}')
        for name in module.__all__:
            o = getattr(module, name)
            if not (inspect.isfunction(o) or inspect.isclass(o)): continue
            doc = inspect.getdoc(o) if '__doc__' in vars(o) or inspect.isfunction(o) else None
            if not doc or doc.startswith(f'{name}('):   # a dataclass without one gets its signature
                problems.append(f'dadfi.{mod}.{name}: no docstring'); continue
            if doc.split('\n')[0][:40] not in shown.get(name, ''): problems.append(f'dadfi.{mod}.{name}: no rendered show_doc in {n}')
            else: n_shown += 1
            if inspect.isclass(o):
                problems += [f'dadfi.{mod}.{name}.{k}: no docstring' for k, v in vars(o).items()
                             if inspect.isfunction(v) and not k.startswith('_') and not _own_doc(o, k)]
    assert not problems, '\n'.join(problems)
    assert n_shown > 100
    proc = tmp_path/'_proc'
    want = [page_path(Path(n), front_matter(json.loads((proc/n).read_text()))).with_suffix('.html') for n in nbs]
    want += [Path('guide')/f'{p.stem}.html' for p in (ROOT/'nbs'/'guide').glob('*.md')] + [Path('guide/findings.html')]
    missing = [str(w) for w in want if not (site/w).exists()]
    assert not missing and len(want) == len(set(want)), f'pages missing from the site: {missing}'
    assert not broken_links(site)


def test_dvc_dir_md5_agrees_with_dvc(tmp_path):
    (tmp_path/'d'/'sub').mkdir(parents=True)
    (tmp_path/'d'/'x.bin').write_bytes(bytes(range(256)))
    (tmp_path/'d'/'sub'/'é ü.txt').write_text('text\r\nwith CRLF\n')
    run(['git', 'init', '-q'], tmp_path); run([str(BIN/'dvc'), 'init', '-q'], tmp_path)
    run([str(BIN/'dvc'), 'add', '-q', 'd'], tmp_path)
    want = yaml.safe_load((tmp_path/'d.dvc').read_text())['outs'][0]['md5']
    assert dvc_dir_md5(tmp_path/'d') == want


def test_data_matches_data_dvc(data_dir):
    want = yaml.safe_load((ROOT/'data.dvc').read_text())['outs'][0]['md5']
    assert dvc_dir_md5(data_dir) == want


def test_cli_fetch_is_installed():
    assert 'ready' in run([str(BIN/'dadfi'), 'fetch'], ROOT)


def test_dvc_repro_smoke(tmp_path, tmp_path_factory, data_dir):
    """The whole pipeline with tiny params, in a scratch copy: runs, writes its outputs, leaves a clean `dvc status`.
    Three models of the zoo are official-layout checkpoints (random weights) at sizes of their own, named in
    params.yaml: `deepfakes` trains only STGAN, and every later stage attacks the files, which stay untouched."""
    copy_tree(tmp_path)
    shutil.copytree(data_dir, tmp_path/'data')
    p = yaml.safe_load(params_yaml(load_params(ROOT/'params.yaml', 'tiny')))   # the tests' profile, profiles/tiny.yaml
    weights, given = tmp_path_factory.mktemp('official'), {}
    for fam, f in OFFICIAL_FILES.items():
        size, targets = {'stargan': 48, 'attgan': 64, 'starganv2': 64}[fam], p['deepfakes']['attrs']
        if fam == 'starganv2': targets = ['female', 'male']             # domains the data has no labels for
        fake_official(fam, weights/f, targets, image_size=size, **TINY_ARCH[fam])
        p['deepfakes'][fam].update(checkpoint=str(weights/f), size=size, targets=targets)
        given[f] = ((weights/f).read_bytes(), (weights/f).stat().st_mtime_ns)
    (tmp_path/'params.yaml').write_text(yaml.safe_dump(p))
    for f in ('dvc.lock',): (tmp_path/f).unlink(missing_ok=True)
    run(['git', 'init', '-q'], tmp_path)
    run([str(BIN/'dvc'), 'repro'], tmp_path, timeout=1200)
    assert json.loads(run([str(BIN/'dvc'), 'status', '--json'], tmp_path)) == {}
    sp = json.loads((tmp_path/'outputs'/'data'/'splits.json').read_text())
    assert (len(sp['main']['train']), len(sp['main']['test'])) == (8, 4)
    assert (tmp_path/'outputs'/'data'/'faces.png').stat().st_size > 10_000
    assert load_deepfake(tmp_path/'outputs'/'deepfakes'/'stgan.pt').targets == p['deepfakes']['attrs']
    assert not any((tmp_path/'outputs'/'deepfakes'/f'{fam}.pt').exists() for fam in OFFICIAL_FILES)   # nothing trained for them
    assert all(((weights/f).read_bytes(), (weights/f).stat().st_mtime_ns) == b for f, b in given.items()), 'a given checkpoint was written to'
    rep = json.loads((tmp_path/'outputs'/'metrics'/'deepfakes.json').read_text())
    assert set(rep) == set(p['deepfakes']['models'])
    assert {k: r['source'] for k, r in rep.items()} == {'stargan': 'checkpoint', 'starganv2': 'checkpoint', 'attgan': 'checkpoint', 'stgan': 'trained'}
    assert all({'pgd', 'noise'} <= set(r['fidelity']) and 'recon' in r for r in rep.values())
    assert {k: r['size'] for k, r in rep.items()} == {'stargan': 48, 'starganv2': 64, 'attgan': 64, 'stgan': 32}   # each at its own size
    assert (tmp_path/'outputs'/'plots'/'deepfakes'/'stgan.csv').read_text().startswith('updates,')
    rep = json.loads((tmp_path/'outputs'/'metrics'/'dadfi.json').read_text())
    assert {rep[k]['name'] for k in ('paper', 'robust', 'breaking')} == {
        'DADFI (paper)', 'DADFI-robust (ours)', 'DADFI-breaking (ours)'}
    assert set(rep['paper']['models']) == set(p['dadfi']['models'])
    assert rep['n_val'] == 1 and all('ci_mask' in v for v in rep['paper']['models'].values())   # test faces: evaluation's
    seeds = [p['seed'] + i for i in range(p['dadfi']['seeds'])]
    assert rep['seeds'] == seeds and all(len(v['seeds']) == len(seeds) for v in rep['paper']['models'].values())
    assert all(rep[k]['linf'] <= p['dadfi']['lim'] and (tmp_path/'outputs'/'dadfi'/f'gen_{k}_s{s}.pt').exists()
               for k in ('paper', 'robust', 'breaking') for s in seeds)
    c = rep['protect']        # the generator protect ships: the run and seed protect_choice picks, copied
    assert (c['run'], c['seed']) == protect_choice(rep, p['dadfi']['models']) and c['where'] == 'photo'
    assert (tmp_path/'outputs'/'dadfi'/'gen_protect.pt').read_bytes() == (tmp_path/'outputs'/'dadfi'/f"gen_{c['run']}_s{c['seed']}.pt").read_bytes()
    out = run([str(BIN/'dadfi'), 'protect', str(tmp_path/'data'/'celeba'/'img_align_celeba'/'000001.jpg'), '-o', str(tmp_path/'prot')], tmp_path)
    assert '1 protected (faces: 1, whole photos: 0), 0 failed' in out
    m = json.loads(run([str(BIN/'dvc'), 'metrics', 'show', '--json'], tmp_path))
    assert m, 'dvc metrics show found no metrics'
    methods = {'DADFI (paper)', 'DADFI-robust (ours)', 'DADFI-breaking (ours)', 'DADFI (paper) w/o fine-tuning',
               'PGD', 'EOT-PGD', 'Universal', 'MOMA', 'ATS-O2A', 'Adv-Bot', 'PGD, each model alone',
               'PGD ceiling, each model alone'}
    for ds in ('main', 'second'):
        ev = json.loads((tmp_path/'outputs'/'metrics'/f'eval_{ds}.json').read_text())
        assert set(ev['methods']) == methods and ev['n_images'] == 3 and ev['held_out'] == ['attgan']
        assert all(set(r['models']) == set(p['deepfakes']['models']) and all('fid' in v for v in r['models'].values()) for r in ev['methods'].values())
        tx = {'jpeg50', 'resize0.5', 'photo'} if ds == 'main' else set()      # photo: the face inside its photo
        assert set(ev['robustness'].get('DADFI (paper)', {})) == tx
        assert all(len(v['seeds']) == len(seeds) for v in ev['methods']['DADFI (paper)']['models'].values())
        assert 'seeds' not in ev['methods']['PGD']['models']['stargan']      # one run: no seeds
        # the timing knobs reach the stage, and every ratio is to PGD's time of the same run
        assert ev['timing'] == 'median of 1 runs on 2 faces', ev['timing']
        pgd_s = ev['methods']['PGD']['seconds_per_image']
        assert pgd_s > 0 and all(math.isclose(r['vs_pgd'], r['seconds_per_image']/pgd_s)
                                 for r in ev['methods'].values())
        assert (tmp_path/'outputs'/'eval'/ds/'fig3_validity.png').exists() and (tmp_path/'outputs'/'eval'/ds/'fig7_time.png').exists()
    tr = json.loads((tmp_path/'outputs'/'metrics'/'transfer.json').read_text())
    assert len(tr['rows']) == len(p['dadfi']['models']) + 1 and tr['seeds'] == seeds
    ph = json.loads((tmp_path/'outputs'/'metrics'/'photos.json').read_text())       # real photos, the editor's path
    assert set(ph['runs']) == {'DADFI-breaking (ours)', 'DADFI-robust (ours)', 'DADFI-robust + refine (ours)', 'noise floor'}
    assert list(ph['photos']) == ['obama@100']
    assert all(len(v['seeds']) == len(seeds) for v in ph['runs']['DADFI-robust + refine (ours)']['cells']['jpeg75 | area'].values())
    assert set(ph['runs']['noise floor']['cells']) == {'as saved | area', 'jpeg75 | area', 'crop itself', 'crop, JPEG 75'}
    assert all(len(v['seeds']) == len(seeds) for v in ph['runs']['DADFI-breaking (ours)']['cells']['jpeg75 | area'].values())
    assert '| DADFI-breaking (ours) | jpeg75 \\| area |' in (tmp_path/'outputs'/'results'/'results.md').read_text()
    assert '| stargan | DADFI (paper) |' in (tmp_path/'outputs'/'results'/'results.md').read_text()
    assert '| attgan (held out) | Adv-Bot |' in run([str(BIN/'dadfi'), 'results'], tmp_path)
    # the cells that need the pipeline's outputs (the demo, the tutorials) run on this tiny pipeline's
    need = [p for p in sorted((tmp_path/'nbs').rglob('*.ipynb')) if '#| needs_pipeline' in p.read_text()]
    assert {p.relative_to(tmp_path/'nbs').as_posix() for p in need} >= {'11_demo.ipynb', 'tutorials/demo.ipynb', 'tutorials/protect_your_photos.ipynb'}
    for nb in need:
        ok, _ = run_nb(nb, skip_flags=[f for f in get_config(ROOT).tst_flags.split() if f != 'needs_pipeline'])
        assert ok, f'{nb} failed on the smoke pipeline (see the traceback above)'


def _readme_commands():
    text = (ROOT/'README.md').read_text()
    return re.findall(r'<!-- (main|test) command -->\s*```(?:bash|sh)?\n(.+?)\n```', text, flags=re.S)


def test_readme_has_two_commands_and_ci_runs_the_test_one():
    cmds = dict(_readme_commands())
    assert set(cmds) == {'main', 'test'}
    ci = (ROOT/'.ci'/'run').read_text()
    assert cmds['test'].strip() in ci, '.ci/run must run the README test command'
    assert 'dvc repro' in cmds['main'] and 'dadfi fetch' in cmds['main']


def test_pages_match_metrics():
    """The generated tables of the README and the docs pages (`nbs/guide/`) are the ones `dadfi results
    --write` makes from the committed metrics files (never skipped)."""
    from dadfi.report import generated, page_of
    met = ROOT/'outputs'/'metrics'
    files = sorted(met.glob('eval_*.json'))
    assert [f.name for f in files] == ['eval_main.json', 'eval_second.json'], 'the metrics files are committed'
    parts = generated(met)
    assert len(parts) == 5, 'headline, results, zoo, training and photos tables: their metrics files are committed'
    for (s, e), table in parts.items():
        text = page_of(ROOT, s).read_text()
        assert text[text.index(s) + len(s) + 1:text.index(e)] == table, f'{page_of(ROOT, s)} between {s} and {e}'


def test_readme_is_a_front_door():
    "The README stays short: the full tables live in the docs pages."
    assert len((ROOT/'README.md').read_text().splitlines()) < 200


def _definition_cells(nb: Path) -> list[tuple[str, bool]]:
    """Each definition cell of a notebook (an exported cell that defines a function or class) and whether
    the next code cell, not exported, tests it (a fastcore `test_*` call or an assert)."""
    cells = [''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'code']
    export = lambda s: re.match(r'#\|\s*export', s)
    out = []
    for i, s in enumerate(cells):
        if not export(s) or not re.search(r'^(def|class|async def|@)', s, flags=re.M): continue
        nxt = cells[i + 1] if i + 1 < len(cells) else ''
        out.append((s.split('\n')[1][:60], not export(nxt) and bool(re.search(r'\btest_\w+\(|\bassert ', nxt))))
    return out


def test_definitions_have_tests_under_them():
    "At least 80% of the notebooks' definition cells are followed by a test cell (the house style)."
    cells = [(nb.name, d, t) for nb in sorted((ROOT/'nbs').glob('[0-9]*.ipynb')) for d, t in _definition_cells(nb)]
    share = sum(t for *_, t in cells)/len(cells)
    assert share >= 0.8, f"{share:.0%} of {len(cells)} definition cells tested; untested: " + \
        '; '.join(f'{n}: {d}' for n, d, t in cells if not t)


def _dadfi_imports(text: str, rel: bool = False) -> set:
    "The dadfi modules `text` imports (`from .x` in the package, `from dadfi.x` / `import dadfi.x` elsewhere)."
    pat = r'^\s*from \.(\w+) import' if rel else r'^\s*(?:from|import) dadfi\.(\w+)'
    return set(re.findall(pat, text, flags=re.M))


def _closure(mods: set) -> set:
    todo, seen = list(mods), set()
    while todo:
        m = todo.pop()
        if m in seen or not (ROOT/'dadfi'/f'{m}.py').exists(): continue
        seen.add(m); todo += _dadfi_imports((ROOT/'dadfi'/f'{m}.py').read_text(), rel=True)
    return seen


def test_stage_deps_are_the_modules_it_imports():
    """Each pipeline stage lists in `dvc.yaml` exactly the dadfi modules its notebook reaches (imports,
    transitively): a change to any of them reruns the stage, and none reruns it needlessly."""
    stages = yaml.safe_load((ROOT/'dvc.yaml').read_text())['stages']
    for name, st in stages.items():
        st = st.get('do', st)
        nbs = [d for d in st['deps'] if isinstance(d, str) and d.startswith('nbs/pipeline/')]
        if nbs:
            cells = json.loads((ROOT/nbs[0]).read_text())['cells']
            mods = _dadfi_imports('\n'.join(''.join(c['source']) for c in cells if c['cell_type'] == 'code'))
        else: mods = set(re.findall(r'from dadfi\.(\w+) import', st['cmd']))    # python -c "from dadfi..."
        assert mods, (name, 'runs no dadfi module its deps could name')
        want = {f'dadfi/{m}.py' for m in _closure(mods)}
        have = {d for d in st['deps'] if isinstance(d, str) and d.startswith('dadfi/')}
        assert have == want, (name, 'missing', sorted(want - have), 'needless', sorted(have - want))


def _notebook_of(mod: str) -> str:
    return re.search(r'File to edit: \.\./nbs/(\S+)\.ipynb', (ROOT/'dadfi'/f'{mod}.py').read_text())[1]


def test_modules_by_concept():
    """No module over 400 lines, and each imports only modules of earlier notebooks (a lower concept never
    reaches up to a higher one)."""
    mods = [p.stem for p in (ROOT/'dadfi').glob('*.py') if not p.stem.startswith('_')]
    for m in mods:
        text = (ROOT/'dadfi'/f'{m}.py').read_text()
        assert len(text.splitlines()) <= 400, (m, len(text.splitlines()))
        later = [d for d in _dadfi_imports(text, rel=True) if _notebook_of(d) > _notebook_of(m)]
        assert not later, (m, 'imports later modules', later)


def _undefined_names(nb: Path) -> set:
    "Names a notebook's code reads but never defines, imports nor gets from builtins."
    import ast, builtins
    cells = [''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'code']
    tree = ast.parse('\n'.join(l for c in cells for l in c.split('\n') if not l.startswith(('%', '!'))))
    ns = {}
    for n in ast.walk(tree):
        if isinstance(n, (ast.Import, ast.ImportFrom)): exec(compile(ast.Module([n], []), str(nb), 'exec'), ns)
    defined = set(ns) | set(dir(builtins))
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load): defined.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.ClassDef)): defined.add(n.name)
        elif isinstance(n, ast.arg): defined.add(n.arg)
        elif isinstance(n, ast.ExceptHandler) and n.name: defined.add(n.name)
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - defined


def test_undefined_names_in_the_pipeline(tmp_path):
    """Every name a pipeline notebook reads is defined or imported in it: a path the default run never
    takes (an error branch) cannot fail with a NameError."""
    nb = {'cells': [{'cell_type': 'code', 'source': 'from pathlib import Path\nx = Path(1)\nraise Oops(x)'}]}
    (tmp_path/'x.ipynb').write_text(json.dumps(nb))
    assert _undefined_names(tmp_path/'x.ipynb') == {'Oops'}           # the check itself can fail
    for nb in sorted((ROOT/'nbs'/'pipeline').glob('*.ipynb')):
        assert not _undefined_names(nb), (nb.name, sorted(_undefined_names(nb)))


def test_notebook_lines_fit():
    "Every line of the notebooks is at most 100 characters (the house style), but a markdown table's row."
    long = [(nb.relative_to(ROOT/'nbs').as_posix(), l[:40]) for nb in sorted((ROOT/'nbs').rglob('*.ipynb'))
            if '.ipynb_checkpoints' not in nb.parts and not nb.parent.name.startswith('_')
            for c in json.loads(nb.read_text())['cells'] for l in ''.join(c['source']).split('\n')
            if len(l) > 100 and not (c['cell_type'] == 'markdown' and l.lstrip().startswith('|'))]
    assert not long, long
