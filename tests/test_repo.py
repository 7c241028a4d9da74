"The repository as a whole: notebooks and package in step, DVC's hash, the pipeline end to end, README and CI."
import json, os, re, shutil, subprocess, sys
from pathlib import Path
import pytest
import yaml
from conftest import ROOT, BIN
from dadfi.data import dvc_dir_md5
from dadfi.deepfakes import load_deepfake
from dadfi.surrogates import TINY_ARCH


def run(cmd, cwd, **kw):
    env = {**os.environ, 'PATH': f"{BIN}{os.pathsep}{os.environ['PATH']}"}
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


def test_docs_notebooks_process(tmp_path):
    "nbdev's docs preprocessing (the offline part of `nbdev-docs`; Quarto itself is not installable here) runs on every notebook."
    copy_tree(tmp_path)
    # proc_nbs itself, not the nbdev-proc-nbs command: that one first tries to download and install Quarto
    run([sys.executable, '-c', 'from nbdev.quarto import proc_nbs; proc_nbs(n_workers=0)'], tmp_path)
    assert (tmp_path/'_proc'/'01_data.ipynb').exists() and (tmp_path/'_proc'/'pipeline'/'10_data.ipynb').exists()


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


def test_dvc_repro_smoke(tmp_path, data_dir):
    "The whole pipeline with tiny params, in a scratch copy: runs, writes its outputs, leaves a clean `dvc status`."
    copy_tree(tmp_path)
    shutil.copytree(data_dir, tmp_path/'data')
    p = yaml.safe_load((ROOT/'params.yaml').read_text())
    p['data'].update(size=32, n_train=8, n_test=4)
    for fam, arch in TINY_ARCH.items(): p['deepfakes'][fam].update(arch=arch, iters=2, batch_size=4)
    p['deepfakes']['check'] = dict(max_recon=2.0, min_edit=0.0, min_between=0.0)   # tiny models are checked in nbs/03
    p['dadfi'].update(epochs_gen=1, epochs_ft=1, batch_size=4, gen_width=4, ide_width=4, pgd_steps=1)
    p['evaluation'].update(n_images=3, universal_epochs=1, moma_population=2, moma_generations=1, moma_n_fit=2, jpeg=[50], transfer_epochs_ft=1)
    (tmp_path/'params.yaml').write_text(yaml.safe_dump(p))
    for f in ('dvc.lock',): (tmp_path/f).unlink(missing_ok=True)
    run(['git', 'init', '-q'], tmp_path)
    run([str(BIN/'dvc'), 'repro'], tmp_path, timeout=1200)
    assert json.loads(run([str(BIN/'dvc'), 'status', '--json'], tmp_path)) == {}
    sp = json.loads((tmp_path/'outputs'/'data'/'splits.json').read_text())
    assert (len(sp['main']['train']), len(sp['main']['test'])) == (8, 4)
    assert (tmp_path/'outputs'/'data'/'faces.png').stat().st_size > 10_000
    for fam in p['deepfakes']['models']:
        assert load_deepfake(tmp_path/'outputs'/'deepfakes'/f'{fam}.pt').targets == p['deepfakes']['attrs']
    rep = json.loads((tmp_path/'outputs'/'metrics'/'deepfakes.json').read_text())
    assert set(rep) == set(p['deepfakes']['models'])
    rep = json.loads((tmp_path/'outputs'/'metrics'/'dadfi.json').read_text())
    assert set(rep['dadfi']['models']) == set(p['dadfi']['models']) and rep['dadfi']['linf'] <= p['dadfi']['lim']
    out = run([str(BIN/'dadfi'), 'protect', str(tmp_path/'data'/'celeba'/'img_align_celeba'/'000001.jpg'), '-o', str(tmp_path/'prot')], tmp_path)
    assert '1 protected, 0 failed' in out
    m = json.loads(run([str(BIN/'dvc'), 'metrics', 'show', '--json'], tmp_path))
    assert m, 'dvc metrics show found no metrics'
    methods = {'DADFI', 'DADFI w/o fine-tuning', 'PGD', 'Universal', 'MOMA', 'ATS-O2A', 'Adv-Bot'}
    for ds in ('main', 'second'):
        ev = json.loads((tmp_path/'outputs'/'metrics'/f'eval_{ds}.json').read_text())
        assert set(ev['methods']) == methods and ev['n_images'] == 3 and ev['held_out'] == ['attgan']
        assert all(set(r['models']) == set(p['deepfakes']['models']) and all('fid' in v for v in r['models'].values()) for r in ev['methods'].values())
        assert set(ev['robustness'].get('DADFI', {})) == ({'jpeg50', 'resize0.5'} if ds == 'main' else set())
        assert (tmp_path/'outputs'/'eval'/ds/'fig3_validity.png').exists() and (tmp_path/'outputs'/'eval'/ds/'fig7_time.png').exists()
    tr = json.loads((tmp_path/'outputs'/'metrics'/'transfer.json').read_text())
    assert len(tr['rows']) == len(p['dadfi']['models']) + 1
    assert '| stargan | DADFI |' in (tmp_path/'outputs'/'results'/'results.md').read_text()
    assert '| attgan (held out) | Adv-Bot |' in run([str(BIN/'dadfi'), 'results'], tmp_path)


def _readme_commands():
    text = (ROOT/'README.md').read_text()
    return re.findall(r'<!-- (main|test) command -->\s*```(?:bash|sh)?\n(.+?)\n```', text, flags=re.S)


def test_readme_has_two_commands_and_ci_runs_the_test_one():
    cmds = dict(_readme_commands())
    assert set(cmds) == {'main', 'test'}
    ci = (ROOT/'.ci'/'run').read_text()
    assert cmds['test'].strip() in ci, '.ci/run must run the README test command'
    assert 'dvc repro' in cmds['main'] and 'dadfi fetch' in cmds['main']


def test_readme_results_match_metrics():
    "After `dvc repro` here, the README's results tables are the ones `dadfi results` makes from the metrics files."
    files = sorted((ROOT/'outputs'/'metrics').glob('eval_*.json'))
    if not files: pytest.skip('no evaluation metrics in this checkout (run `dvc repro`)')
    from dadfi.evaluation import results_table, START, END
    want = '\n'.join(results_table(json.loads(f.read_text())) for f in files)
    text = (ROOT/'README.md').read_text()
    assert text[text.index(START) + len(START) + 1:text.index(END)] == want, 'run `dadfi results --readme README.md`'
