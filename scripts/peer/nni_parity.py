#!/usr/bin/env python3
"""Parity check of our C++ MobileNetV3 network against the real NNI (2.7, and 3.0 for sampling).

Run through scripts/peer/nni-parity.sh, which prepares the two virtual environments. Commands:

  names    [--check FILE]       NNI 2.7's state-dict names and shapes for the reference architecture
                                (tests/data/nni27_state_dict_keys.txt's); --check diffs that file.
  selftest                      the NNI half alone: reference figures of ORIGINAL-BEHAVIOR.md, the
                                names file, state-dict round trip, the 66-label builder.
  sample30 --count N --seed S --out FILE
                                (NNI 3.0 venv) N architectures drawn by NNI 3.0's own sampler from its
                                67-choice MobileNetV3Space, written in our 66 labels.
  check    --build DIR [...]    the parity check of DIR/nas_peer_export and DIR/nas against NNI 2.7.
  bench    --arch FILE [...]    the original's training step (NNI 2.7's network, Adam, cross-entropy),
                                images/s with 1 and 2 threads.

Everything here is our own code: it drives NNI's public classes, it copies none of NNI's.
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings('ignore')
os.environ.setdefault('PYTHONWARNINGS', 'ignore')

ROOT = Path(__file__).resolve().parents[2]
NAMES_FILE = ROOT / 'tests' / 'data' / 'nni27_state_dict_keys.txt'

# ---------------------------------------------------------------------------------------------
# Our 66-label space (ORIGINAL-BEHAVIOR.md, "Search space"), written independently of NNI.
BASE_WIDTHS = (16, 16, 32, 64, 128, 256, 512, 1024)
WIDTH_MULTS = (0.5, 0.625, 0.75, 1.0, 1.25, 1.5, 2.0)
EXPAND_RATIOS = (1, 2, 3, 4, 5, 6)
KERNELS = (3, 5, 7)
DEPTHS = (1, 2, 3, 4)
SE_STAGES = (2, 4, 5)
STAGES = (1, 2, 3, 4, 5)


def our_make_divisible(v: float, d: int = 8) -> int:
    n = max(d, int(v + d / 2) // d * d)
    return n + d if n < 0.9 * v else n


def layers_of(stage: int) -> list[int]:
    return [2 + 4 * (stage - 1) + j for j in range(4)]


def candidates66() -> dict[str, list[int]]:
    c: dict[str, list[int]] = {}
    for i, b in enumerate(BASE_WIDTHS):
        c[f'width_{i}'] = [our_make_divisible(b * m) for m in WIDTH_MULTS]
    c['ks_0'] = [3, 5]
    for s in STAGES:
        for layer in layers_of(s):
            c[f'exp_{layer}'] = list(EXPAND_RATIOS)
            c[f'ks_{layer}'] = list(KERNELS)
            if s in SE_STAGES:
                c[f'se_{layer}'] = [0, 1]
    for s in STAGES:
        c[f'depth_{s}'] = list(DEPTHS)
    return c


# NNI 2.7's ties: label in the 54-label space -> the 66 labels it sets.
def ties54() -> dict[str, list[str]]:
    t: dict[str, list[str]] = {}
    for label in candidates66():
        if label.startswith('depth_'):
            s = int(label.split('_')[1])
            t.setdefault('depth_2' if s == 2 else 'depth_1', []).append(label)
        elif label.startswith('se_'):
            layer = int(label.split('_')[1])
            stage = (layer - 2) // 4 + 1
            t.setdefault(f'se_{layers_of(stage)[-1] + 1}', []).append(label)
        else:
            t[label] = [label]
    return t


def expand54(a54: dict) -> dict[str, int]:
    out: dict[str, int] = {}
    for label54, targets in ties54().items():
        if label54 not in a54:
            raise ValueError(f'54-label architecture lacks {label54}')
        for t in targets:
            out[t] = int(a54[label54])
    extra = set(a54) - set(ties54())
    if extra:
        raise ValueError(f'54-label architecture has unknown labels {sorted(extra)}')
    return out


def to54(a66: dict) -> dict | None:
    """The 54-label form (NNI 2.7 value formats: SE as '0'/'1'), or None when not expressible."""
    out: dict = {}
    for label54, targets in ties54().items():
        vals = {int(a66[t]) for t in targets}
        if len(vals) != 1:
            return None
        v = vals.pop()
        out[label54] = str(v) if label54.startswith('se_') else v
    return out


def is54(raw: dict) -> bool:
    return 'se_10' in raw or 'se_22' in raw or ('depth_1' in raw and 'depth_3' not in raw)


def read_arch(path: Path) -> dict[str, int]:
    """Our JSON, a trial.json ({"arch": ...}) or an NNI parameter.cfg, 54 or 66 labels -> 66 labels."""
    j = json.loads(Path(path).read_text())
    if isinstance(j, dict) and isinstance(j.get('arch'), dict):
        j = j['arch']
    elif isinstance(j, dict) and 'parameters' in j:
        j = j['parameters']['mutation']
    a = expand54(j) if is54(j) else {k: int(v) for k, v in j.items()}
    check66(a)
    return a


def check66(a: dict) -> None:
    c = candidates66()
    if set(a) != set(c):
        raise ValueError(f'66-label architecture: missing {sorted(set(c) - set(a))}, '
                         f'unknown {sorted(set(a) - set(c))}')
    for k, v in a.items():
        if v not in c[k]:
            raise ValueError(f'{k} = {v} is not one of {c[k]}')


def effective(a66: dict) -> dict[str, int]:
    """The choices that shape the network: those of dropped layers removed."""
    out = {}
    for k, v in a66.items():
        if k.startswith(('exp_', 'ks_', 'se_')) and k != 'ks_0':
            layer = int(k.split('_')[1])
            stage = (layer - 2) // 4 + 1
            if layer - layers_of(stage)[0] >= a66[f'depth_{stage}']:
                continue
        out[k] = v
    return out


def parameter_cfg(mutation: dict, pid: int) -> dict:
    """A trial's parameter.cfg as NNI 2.7's python engine wrote it (the fields `nas` reads)."""
    return {'parameter_id': pid, 'parameter_source': 'algorithm',
            'parameters': {'class': 'nni.retiarii.hub.pytorch.mobilenetv3.MobileNetV3Space',
                           'init_parameters': {'num_labels': 10}, 'mutation': mutation,
                           'evaluator': None},
            'parameter_index': 0}


# ---------------------------------------------------------------------------------------------
# Counting, independent of NNI.
def count_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


def count_macs(model, input_shape) -> int:
    """Multiply-accumulates of every Conv2d and Linear for one image (ORIGINAL-BEHAVIOR.md)."""
    import torch
    total = [0]

    def conv_hook(m, inp, out):
        total[0] += out[0].numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def linear_hook(m, inp, out):
        total[0] += m.in_features * m.out_features

    hooks = []
    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, torch.nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    model.train(was_training)
    for h in hooks:
        h.remove()
    return total[0]


# ---------------------------------------------------------------------------------------------
# NNI 2.7.
def nni27():
    from nni.retiarii import fixed_arch
    from nni.retiarii.hub.pytorch import MobileNetV3Space
    return fixed_arch, MobileNetV3Space


class _InOrder(dict):
    """A fixed-architecture dict that answers a tied NNI 2.7 label with a different value at each
    lookup, in construction order: NNI 2.7 builds stages 1, 3, 4, 5 all asking for `depth_1`, and the
    four SE choices of a stage all asking for the stage's one SE label."""

    def __init__(self, base: dict, queues: dict[str, list]):
        super().__init__(base)
        self.queues = {k: list(v) for k, v in queues.items()}

    def __getitem__(self, key):
        if key in self.queues:
            if not self.queues[key]:
                raise RuntimeError(f'NNI 2.7 asked for {key} more often than expected')
            return self.queues[key].pop(0)
        return super().__getitem__(key)


def build27(a66: dict, classes: int = 10, quiet: bool = True):
    """NNI 2.7's MobileNetV3Space(num_labels=classes) for a 66-label architecture.

    Expressible in 54 labels: NNI's own fixed_arch with that dict. Otherwise the same NNI code, fed
    one value per lookup of a tied label (_InOrder). Either way the built network is read back and
    compared with the architecture asked for, so a change in NNI's lookup order cannot go unnoticed.
    Returns (model, how)."""
    import logging
    logging.getLogger('nni').setLevel(logging.WARNING)
    fixed_arch, Space = nni27()
    a54 = to54(a66)
    if a54 is not None:
        with fixed_arch(a54, verbose=not quiet):
            model = Space(num_labels=classes)
        how = 'fixed_arch(54)'
    else:
        base = {k: v for k, v in a66.items() if not k.startswith(('depth_', 'se_'))}
        base['depth_2'] = a66['depth_2']
        queues = {'depth_1': [a66[f'depth_{s}'] for s in (1, 3, 4, 5)]}
        for s in SE_STAGES:
            queues[f'se_{layers_of(s)[-1] + 1}'] = [str(a66[f'se_{l}']) for l in layers_of(s)]
        ctx = _InOrder(base, queues)
        with fixed_arch(ctx, verbose=not quiet):
            model = Space(num_labels=classes)
        left = {k: v for k, v in ctx.queues.items() if v}
        if left:
            raise RuntimeError(f'NNI 2.7 did not ask for every tied value: {left}')
        how = 'fixed_arch(66, in order)'
    got = read_back27(model)
    want = effective(a66)
    if got != want:
        diff = {k: (want.get(k), got.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k)}
        raise RuntimeError(f'NNI 2.7 built a different network than asked (want, got): {diff}')
    return model, how


def read_back27(model) -> dict[str, int]:
    """The effective 66-label architecture of a built NNI 2.7 MobileNetV3Space, read off its modules."""
    import torch
    from nni.retiarii.hub.pytorch.mobilenetv3 import SELayer
    b = model.blocks
    a = {'width_0': b[0][0].out_channels, 'ks_0': b[0][0].kernel_size[0]}
    for s in STAGES:
        stage = b[1 + s]
        a[f'depth_{s}'] = len(stage)
        for j, block in enumerate(stage):
            layer = layers_of(s)[j]
            expand, dw = block[0][0], block[1][0]
            assert dw.groups == dw.in_channels == expand.out_channels
            assert expand.out_channels % expand.in_channels == 0
            a[f'exp_{layer}'] = expand.out_channels // expand.in_channels
            a[f'ks_{layer}'] = dw.kernel_size[0]
            if s in SE_STAGES:
                a[f'se_{layer}'] = int(any(isinstance(m, SELayer) for m in block.children()))
            else:
                assert not any(isinstance(m, SELayer) for m in block.modules())
            a[f'width_{s}'] = block[-1][0].out_channels
    a['width_6'] = b[7][0].out_channels
    a['width_7'] = b[9][0].out_channels
    assert isinstance(model.classifier[1], torch.nn.Linear)
    return a


def import_nni27_sampling():
    """NNI 2.7's strategy helpers without its strategy package __init__, which imports the TPE
    strategy and with it hyperopt (not needed here, and not installable on Python 3.11 as pinned)."""
    import types
    import nni.retiarii
    name = 'nni.retiarii.strategy'
    try:
        import nni.retiarii.strategy  # noqa: F401
    except ImportError:
        pkg = types.ModuleType(name)
        pkg.__path__ = [str(Path(nni.retiarii.__file__).parent / 'strategy')]
        sys.modules[name] = pkg
    from nni.retiarii.strategy.evolution import RegularizedEvolution
    from nni.retiarii.strategy.utils import dry_run_for_search_space, get_targeted_model
    from nni.retiarii.execution.utils import get_mutation_dict
    from nni.retiarii.nn.pytorch.mutator import extract_mutation_from_pt_module
    return RegularizedEvolution, dry_run_for_search_space, get_targeted_model, get_mutation_dict, \
        extract_mutation_from_pt_module


class Sampler27:
    """Random architectures the way NNI 2.7's strategies draw them (python execution engine):
    dry-run the mutators for the search space, then RegularizedEvolution.random (one random.choice per
    mutator from its candidate list, duplicates kept), applied with get_targeted_model and turned into
    parameter.cfg's `mutation` by get_mutation_dict."""

    def __init__(self, classes: int = 10):
        RE, dry_run, self.get_targeted_model, self.get_mutation_dict, extract = import_nni27_sampling()
        _, Space = nni27()
        self.base, self.mutators = extract(Space(num_labels=classes))
        self.space = dry_run(self.base, self.mutators)
        self.strategy = RE()
        self.labels = {k[0].label: v for k, v in self.space.items()}

    def draw(self) -> dict:
        sample = self.strategy.random(self.space)
        model = self.get_targeted_model(self.base, self.mutators, sample)
        return self.get_mutation_dict(model)


def fixed_reference_arch54() -> dict:
    a = {f'width_{i}': w for i, w in enumerate(BASE_WIDTHS)}
    a['ks_0'] = 3
    for layer in range(2, 22):
        a[f'exp_{layer}'] = 4
        a[f'ks_{layer}'] = 3
    a['depth_1'] = a['depth_2'] = 2
    for s in ('se_10', 'se_18', 'se_22'):
        a[s] = '1'
    return a


def names_lines(model) -> list[str]:
    return [f'{k} [{", ".join(str(d) for d in v.shape)}]' for k, v in model.state_dict().items()]


def diff_names(got: list[str], path: Path) -> list[str]:
    want = [l.rstrip('\n') for l in path.read_text().splitlines() if l.strip() and not l.startswith('#')]
    import difflib
    return [l for l in difflib.unified_diff(want, got, str(path), 'NNI 2.7', lineterm='', n=0)]


# ---------------------------------------------------------------------------------------------
def cmd_names(args) -> int:
    fixed_arch, Space = nni27()
    with fixed_arch(fixed_reference_arch54(), verbose=False):
        model = Space(num_labels=10)
    lines = names_lines(model)
    print(f'# NNI 2.7 MobileNetV3Space(num_labels=10), reference architecture: {len(lines)} entries, '
          f'{count_params(model):,} parameters')
    print('\n'.join(lines))
    if args.check:
        d = diff_names(lines, Path(args.check))
        if d:
            print('\n'.join(d), file=sys.stderr)
            print(f'nni-parity: {args.check} differs from NNI 2.7', file=sys.stderr)
            return 1
        print(f'# {args.check}: identical', file=sys.stderr)
    return 0


def reference_extremes() -> list[tuple[str, dict]]:
    c = candidates66()
    lo = {k: v[0] for k, v in c.items()}
    hi = {k: v[-1] for k, v in c.items()}
    return [('smallest', lo), ('largest', hi)]


def cmd_selftest(args) -> int:
    import torch
    failures = []
    # 1. ORIGINAL-BEHAVIOR.md's reference figures, for 10 classes and 3x32x32.
    expected = {'smallest': (188_490, 336_768), 'largest': (37_345_370, 61_207_552)}
    for name, a in reference_extremes():
        model, how = build27(a)
        p, m = count_params(model), count_macs(model, (3, 32, 32))
        ok = (p, m) == expected[name]
        print(f'{name:9s} {how:24s} params {p:>12,} MACs {m:>12,}  {"ok" if ok else "MISMATCH"}')
        if not ok:
            failures.append(f'{name}: params/MACs {p}/{m}, ORIGINAL-BEHAVIOR.md says {expected[name]}')
    # 2. The names file.
    fixed_arch, Space = nni27()
    with fixed_arch(fixed_reference_arch54(), verbose=False):
        ref = Space(num_labels=10)
    d = diff_names(names_lines(ref), NAMES_FILE)
    print(f'names     {NAMES_FILE.relative_to(ROOT)}: {"identical" if not d else "DIFFERS"}; '
          f'{count_params(ref):,} parameters')
    if d:
        failures.append('names file differs:\n' + '\n'.join(d))
    if count_params(ref) != 2_502_746:
        failures.append(f'reference architecture has {count_params(ref)} parameters, not 2,502,746')
    # 3. State-dict round trip through a file, strict, with equal logits.
    buf = io.BytesIO()
    torch.save(ref.state_dict(), buf)
    buf.seek(0)
    with fixed_arch(fixed_reference_arch54(), verbose=False):
        other = Space(num_labels=10)
    other.load_state_dict(torch.load(buf), strict=True)
    x = torch.randn(4, 3, 32, 32)
    ref.eval(); other.eval()
    with torch.no_grad():
        diff = (ref(x) - other(x)).abs().max().item()
    print(f'roundtrip state dict strict load, max |logit diff| {diff:.3g}')
    if diff != 0:
        failures.append(f'state-dict round trip changed logits by {diff}')
    # 4. The in-order builder equals fixed_arch on 54-expressible archs, and NNI's sampler's draws
    #    all build and read back.
    sampler = Sampler27()
    random.seed(args.seed)
    for i in range(args.count):
        m54 = sampler.draw()
        a66 = expand54(m54)
        model, how = build27(a66)
        base = {k: v for k, v in a66.items() if not k.startswith(('depth_', 'se_'))}
        base['depth_2'] = a66['depth_2']
        queues = {'depth_1': [a66[f'depth_{s}'] for s in (1, 3, 4, 5)]}
        for s in SE_STAGES:
            queues[f'se_{layers_of(s)[-1] + 1}'] = [str(a66[f'se_{l}']) for l in layers_of(s)]
        with fixed_arch(_InOrder(base, queues), verbose=False):
            alt = Space(num_labels=10)
        alt.load_state_dict(model.state_dict(), strict=True)
        model.eval(); alt.eval()
        with torch.no_grad():
            dd = (model(x) - alt(x)).abs().max().item()
        if dd != 0 or names_lines(model) != names_lines(alt):
            failures.append(f'in-order build differs from fixed_arch for {m54}')
    print(f'sampler   {args.count} NNI 2.7 draws built both ways: '
          f'{"ok" if not failures else "see failures"}')
    # 5. 66-label archs that 54 labels cannot express build and read back.
    rng = random.Random(args.seed)
    c = candidates66()
    n66 = 0
    for i in range(args.count):
        a = {k: rng.choice(v) for k, v in c.items()}
        if to54(a) is None:
            build27(a)
            n66 += 1
    print(f'66-label  {n66} archs not expressible in 54 labels built and read back: ok')
    for f in failures:
        print('FAIL ' + f, file=sys.stderr)
    print('selftest: ' + ('ok' if not failures else f'{len(failures)} failure(s)'))
    return 1 if failures else 0


# ---------------------------------------------------------------------------------------------
# NNI 3.0 (its own venv).
def nni30_to66(sample: dict) -> dict[str, int]:
    from nni.nas.hub.pytorch.proxylessnas import make_divisible
    a = {f'width_{i}': int(make_divisible(sample[f's{i}_width_mult'] * b, 8))
         for i, b in enumerate(BASE_WIDTHS)}
    a['ks_0'] = sample['stem_ks']
    for s in STAGES:
        a[f'depth_{s}'] = sample[f's{s}_depth']
        for j, layer in enumerate(layers_of(s)):
            a[f'exp_{layer}'] = int(sample[f's{s}_i{j}_exp'])
            a[f'ks_{layer}'] = sample[f's{s}_i{j}_ks']
            if s in SE_STAGES:
                a[f'se_{layer}'] = {'identity': 0, 'se': 1}[sample[f's{s}_i{j}_se']]
    check66(a)
    return a


def cmd_sample30(args) -> int:
    import numpy as np
    from nni.nas.hub.pytorch import MobileNetV3Space
    from nni.nas.space import model_context
    space = MobileNetV3Space(num_labels=args.classes)
    mutables = space.simplify()
    rs = np.random.RandomState(args.seed)
    out = []
    for i in range(args.count):
        # NNI 3.0's own sampling (Mutable.random: each Categorical draws an index uniformly); the
        # separable conv's kernel, a choice in 3.0 only, is pinned to 2.7's fixed 3 first.
        sample = {'s0_i0_ks': 3}
        for mu in mutables.values():
            mu.random(sample, rs)
        with model_context(sample):
            model = MobileNetV3Space(num_labels=args.classes)
        out.append({'nni30': sample, 'arch': nni30_to66(sample),
                    'nni30_params': count_params(model),
                    'nni30_macs': count_macs(model, tuple(args.input))})
    Path(args.out).write_text(json.dumps(out, indent=1))
    print(f'sample30: {len(out)} architectures from NNI 3.0 ({len(mutables)} choices) -> {args.out}')
    return 0


def cmd_labels30(args) -> int:
    from nni.nas.hub.pytorch import MobileNetV3Space
    for k, v in MobileNetV3Space(num_labels=10).simplify().items():
        print(k, list(v.values))
    return 0


# ---------------------------------------------------------------------------------------------
class Tools:
    def __init__(self, build: Path, input_shape, classes: int, batch: int):
        self.build = build
        self.nas = build / 'nas'
        self.export = build / 'nas_peer_export'
        self.input = ','.join(map(str, input_shape))
        self.classes = classes
        self.batch = batch
        for t in (self.nas, self.export):
            if not os.access(t, os.X_OK):
                raise SystemExit(f'nni-parity: {t} is missing or not executable (build it first)')

    def run(self, argv: list[str]) -> str:
        r = subprocess.run([str(a) for a in argv], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f'{" ".join(map(str, argv))} exited {r.returncode}: '
                               f'{(r.stderr or r.stdout).strip()[-500:]}')
        return r.stdout

    def arch_json(self, path: Path) -> dict:
        return json.loads(self.run([self.nas, 'arch', path, '--json', '--input', self.input,
                                    '--classes', self.classes]))

    def random_arch(self, seed: int, space: str | None) -> dict:
        argv = [self.nas, 'arch', '--random', '--seed', seed] + (['--space', space] if space else [])
        return json.loads(self.run(argv))

    def peer_export(self, arch: Path, seed: int, out: Path) -> None:
        self.run([self.export, '--arch', arch, '--seed', seed, '--out', out, '--input', self.input,
                  '--classes', self.classes, '--batch', self.batch])


def load_pt(path):
    """torch.load of nas_peer_export's files exactly as the README tells users to load
    model_state_dict.pt: torch.load's defaults, which since PyTorch 2.6 mean weights_only=True."""
    import torch
    return torch.load(path, map_location='cpu')


def check_one(tools: Tools, work: Path, tag: str, a66: dict, cfg_mutation: dict, seed: int,
              input_shape, classes: int, tol: float, nni30: dict | None) -> dict:
    """All checks of one architecture; returns a result row (problems in row['fail'])."""
    import torch
    row = {'tag': tag, 'fail': []}
    fail = row['fail']
    trial = work / tag
    trial.mkdir(parents=True, exist_ok=True)
    cfg = trial / 'parameter.cfg'
    cfg.write_text(json.dumps(parameter_cfg(cfg_mutation, seed), indent=1))
    model, how = build27(a66, classes)
    row['how'] = how
    row['params'] = count_params(model)
    row['macs'] = count_macs(model, input_shape)
    # `nas arch` on the trial folder (NNI's parameter.cfg form).
    try:
        j = tools.arch_json(trial)
        row['nas_params'], row['nas_macs'] = j.get('params'), j.get('macs')
        row['arch_key'] = j.get('arch_key')
        want_labels = 'nni-2.7' if is54(cfg_mutation) else 'mobilenetv3'
        if 'labels' in j and j['labels'] != want_labels:
            fail.append(f'nas arch read the parameter.cfg as {j["labels"]}, not {want_labels}')
        if j.get('params') != row['params']:
            fail.append(f'nas arch params {j.get("params")} != NNI {row["params"]}')
        if j.get('macs') != row['macs']:
            fail.append(f'nas arch MACs {j.get("macs")} != NNI {row["macs"]}')
    except Exception as e:  # noqa: BLE001
        fail.append(f'nas arch: {e}')
    # nas_peer_export: weights under NNI 2.7's names, loaded strictly; logits compared.
    out = trial / 'export'
    try:
        tools.peer_export(cfg, seed, out)
    except Exception as e:  # noqa: BLE001
        fail.append(f'nas_peer_export: {e}')
        return row
    try:
        ours = json.loads((out / 'arch.json').read_text())
        ours = expand54(ours) if is54(ours) else {k: int(v) for k, v in ours.items()}
        if ours != a66:
            fail.append('arch.json differs: ' + str({k: (a66.get(k), ours.get(k)) for k in a66
                                                       if a66.get(k) != ours.get(k)}))
        fa = out / 'fixed_arch.json'
        want54 = to54(a66)
        if want54 is None and fa.exists():
            fail.append('fixed_arch.json written for an architecture 54 labels cannot express')
        elif want54 is not None:
            if not fa.exists():
                fail.append('fixed_arch.json missing')
            else:
                got54 = json.loads(fa.read_text())
                norm = lambda d: {k: str(v) if k.startswith('se_') else int(v) for k, v in d.items()}
                if norm(got54) != norm(want54):
                    fail.append('fixed_arch.json differs from the 54-label form')
                # And it builds the same NNI network.
                fixed_arch, Space = nni27()
                with fixed_arch(got54, verbose=False):
                    m2 = Space(num_labels=classes)
                if names_lines(m2) != names_lines(model):
                    fail.append('fixed_arch.json builds a different NNI network')
        info = json.loads((out / 'info.json').read_text())
        row['our_params'], row['our_macs'] = info.get('params'), info.get('macs')
        if info.get('params') != row['params']:
            fail.append(f'info.json params {info.get("params")} != NNI {row["params"]}')
        if info.get('macs') != row['macs']:
            fail.append(f'info.json MACs {info.get("macs")} != NNI {row["macs"]}')
        if 'module_params' in info and info['module_params'] != row['params']:
            fail.append(f'info.json module_params {info["module_params"]} != NNI {row["params"]}')
        if row.get('arch_key') and info.get('arch_key') and info['arch_key'] != row['arch_key']:
            fail.append(f'arch_key: nas arch says {row["arch_key"]}, nas_peer_export {info["arch_key"]}')
        sd = load_pt(out / 'model_state_dict.pt')
        if not isinstance(sd, dict):
            fail.append(f'model_state_dict.pt holds a {type(sd).__name__}, not a dict')
            return row
        mine = model.state_dict()
        missing = [k for k in mine if k not in sd]
        unexpected = [k for k in sd if k not in mine]
        shapes = [f'{k} {tuple(sd[k].shape)} vs NNI {tuple(mine[k].shape)}'
                  for k in mine if k in sd and tuple(sd[k].shape) != tuple(mine[k].shape)]
        if missing or unexpected or shapes:
            fail.append(f'state dict: {len(missing)} missing {missing[:3]}, {len(unexpected)} unexpected '
                        f'{unexpected[:3]}, {len(shapes)} shape mismatches {shapes[:3]}')
            return row
        dtypes = [f'{k} {sd[k].dtype} vs {mine[k].dtype}' for k in mine if sd[k].dtype != mine[k].dtype]
        if dtypes:
            fail.append(f'state dict dtypes: {dtypes[:3]}')
        model.load_state_dict(sd, strict=True)
        model.eval()
        iot = load_pt(out / 'io.pt')
        x, want = iot['input'], iot['logits']
        if tuple(x.shape[1:]) != tuple(input_shape) or tuple(want.shape) != (x.shape[0], classes):
            fail.append(f'io.pt shapes input {tuple(x.shape)} logits {tuple(want.shape)}')
            return row
        with torch.no_grad():
            got = model(x.float())
        row['max_diff'] = (got - want.float()).abs().max().item()
        if not (row['max_diff'] <= tol):
            fail.append(f'logits differ by {row["max_diff"]:.3g} (> {tol})')
    except Exception as e:  # noqa: BLE001
        fail.append(f'{type(e).__name__}: {str(e).strip().splitlines()[0][:300]}')
    if nni30 is not None:
        # NNI 3.0's network differs on purpose: its last head conv has a bias (+width_7 parameters),
        # its SE is 1x1 convs with a hard sigmoid. Shown, not checked against ours.
        row['nni30_params'] = nni30['nni30_params']
        row['nni30_note'] = ('=' if nni30['nni30_params'] - a66['width_7'] == row['params']
                             and nni30['nni30_macs'] == row['macs'] else '!')
    return row


def cmd_check(args) -> int:
    input_shape = tuple(args.input)
    tools = Tools(Path(args.build), input_shape, args.classes, args.batch)
    if input_shape[0] != 3:
        raise SystemExit('nni-parity: NNI 2.7 MobileNetV3Space takes 3 input channels only')
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix='nni-parity.'))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    seed = args.seed

    # The names file, against NNI itself.
    fixed_arch, Space = nni27()
    with fixed_arch(fixed_reference_arch54(), verbose=False):
        ref = Space(num_labels=10)
    names_diff = diff_names(names_lines(ref), NAMES_FILE)
    if args.print_names:
        print('\n'.join(names_lines(ref)))

    # Space 1: the 54 labels, drawn by NNI 2.7's sampler.
    sampler = Sampler27(args.classes)
    random.seed(seed)
    for i in range(args.count):
        m54 = sampler.draw()
        rows.append(check_one(tools, work, f'nni27-{i:02d}', expand54(m54), m54, seed * 1000 + i,
                              input_shape, args.classes, args.tol, None))
    # Space 2: the 66 labels, drawn by NNI 3.0's sampler (sample30's file).
    if args.archs66:
        drawn = json.loads(Path(args.archs66).read_text())
        if len(drawn) < args.count:
            raise SystemExit(f'nni-parity: {args.archs66} has {len(drawn)} architectures, need {args.count}')
        for i, d in enumerate(drawn[:args.count]):
            a66 = {k: int(v) for k, v in d['arch'].items()}
            rows.append(check_one(tools, work, f'nni30-{i:02d}', a66, a66, seed * 1000 + 500 + i,
                                  input_shape, args.classes, args.tol, d))
    # Our own sampler's draws, both spaces: must lie in NNI's space and match too.
    for space in ('nni-2.7', None):
        for i in range(args.ours):
            tag = f'ours-{space or "66"}-{i:02d}'
            try:
                raw = tools.random_arch(seed * 1000 + 900 + i, space)
            except Exception as e:  # noqa: BLE001
                rows.append({'tag': tag, 'fail': [f'nas arch --random: {e}']})
                continue
            if space and not is54(raw):
                a66 = {k: int(v) for k, v in raw.items()}
                raw54 = to54(a66)
                if raw54 is None:
                    rows.append({'tag': tag, 'fail': ['--space nni-2.7 drew an architecture 54 labels '
                                                      'cannot express']})
                    continue
            else:
                raw54 = raw if is54(raw) else None
            if raw54 is not None:
                bad = [k for k, v in raw54.items()
                       if k not in sampler.labels or str(v) not in map(str, sampler.labels[k])]
                if bad or set(sampler.labels) != set(raw54):
                    rows.append({'tag': tag, 'fail': [f'not in NNI 2.7\'s space: {bad or "labels"}']})
                    continue
                a66 = expand54(raw54)
                mutation = {k: (str(v) if k.startswith('se_') else int(v)) for k, v in raw54.items()}
            else:
                a66 = {k: int(v) for k, v in raw.items()}
                check66(a66)
                mutation = a66
            rows.append(check_one(tools, work, tag, a66, mutation, seed * 1000 + 950 + i,
                                  input_shape, args.classes, args.tol, None))

    # Report.
    print(f'{"arch":16s} {"NNI build":24s} {"params":>11s} {"nas arch":>9s} {"export":>7s} '
          f'{"MACs":>11s} {"max|dlogit|":>11s}  result')
    nfail = 0
    for r in rows:
        if 'params' not in r:
            print(f'{r["tag"]:16s} FAIL {"; ".join(r["fail"])}')
            nfail += 1
            continue
        mark = lambda a, b: 'ok' if a == b else ('-' if a is None else 'DIFF')
        md = r.get('max_diff')
        print(f'{r["tag"]:16s} {r["how"]:24s} {r["params"]:>11,} '
              f'{mark(r.get("nas_params"), r["params"]) + "/" + mark(r.get("nas_macs"), r["macs"]):>9s} '
              f'{mark(r.get("our_params"), r["params"]) + "/" + mark(r.get("our_macs"), r["macs"]):>7s} '
              f'{r["macs"]:>11,} {("%.2e" % md) if md is not None else "-":>11s}  '
              f'{"ok" if not r["fail"] else "FAIL"}'
              + (f'  nni30 {r["nni30_params"]:,} ({r["nni30_note"]})' if 'nni30_params' in r else ''))
        for f in r['fail']:
            print(f'    {f}')
        nfail += bool(r['fail'])
    if names_diff:
        print(f'{NAMES_FILE.relative_to(ROOT)} differs from NNI 2.7:')
        print('\n'.join(names_diff))
        nfail += 1
    else:
        print(f'{NAMES_FILE.relative_to(ROOT)}: identical to NNI 2.7 ({len(names_lines(ref))} entries)')
    print(f'nni-parity: {len(rows)} architectures, {nfail} failure(s); files in {work}')
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(rows, indent=1))
    return 1 if nfail else 0


# ---------------------------------------------------------------------------------------------
def cmd_bench(args) -> int:
    import torch
    a66 = read_arch(Path(args.arch))
    model, how = build27(a66, args.classes)
    print(f'bench: {args.arch} with NNI 2.7 ({how}): {count_params(model):,} params, '
          f'{count_macs(model, tuple(args.input)):,} MACs; torch {torch.__version__}; batch {args.batch}; '
          f'Adam lr 1e-3, cross-entropy, train mode, NCHW, CPU')
    torch.manual_seed(0)
    x = torch.randn(args.batch, *args.input)
    y = torch.randint(0, args.classes, (args.batch,))
    results = {}
    for threads in args.threads:
        torch.set_num_threads(threads)
        m = copy.deepcopy(model)
        m.train()
        opt = torch.optim.Adam(m.parameters(), lr=1e-3)
        loss_fn = torch.nn.CrossEntropyLoss()

        def step():
            opt.zero_grad()
            loss = loss_fn(m(x), y)
            loss.backward()
            opt.step()

        for _ in range(args.warmup):
            step()
        rates = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            for _ in range(args.steps):
                step()
            rates.append(args.steps * args.batch / (time.perf_counter() - t0))
        results[threads] = rates
        print(f'threads {threads}: images/s ' + ' '.join(f'{r:.1f}' for r in rates)
              + f'  (median {statistics.median(rates):.1f})', flush=True)
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='cmd', required=True)
    shape = lambda s: [int(v) for v in s.split(',')]
    n = sub.add_parser('names')
    n.add_argument('--check', metavar='FILE', nargs='?', const=str(NAMES_FILE))
    t = sub.add_parser('selftest')
    t.add_argument('--count', type=int, default=10)
    t.add_argument('--seed', type=int, default=0)
    s = sub.add_parser('sample30')
    s.add_argument('--count', type=int, default=20)
    s.add_argument('--seed', type=int, default=0)
    s.add_argument('--out', required=True)
    s.add_argument('--classes', type=int, default=10)
    s.add_argument('--input', type=shape, default=[3, 32, 32])
    sub.add_parser('labels30')
    c = sub.add_parser('check')
    c.add_argument('--build', required=True)
    c.add_argument('--count', type=int, default=20, help='architectures per space (default 20)')
    c.add_argument('--ours', type=int, default=5, help='architectures per space drawn by `nas arch --random`')
    c.add_argument('--seed', type=int, default=0)
    c.add_argument('--archs66', help="sample30's file (66-label architectures from NNI 3.0's sampler)")
    c.add_argument('--work', help='keep the trial folders here (default: a new temporary folder)')
    c.add_argument('--input', type=shape, default=[3, 32, 32])
    c.add_argument('--classes', type=int, default=10)
    c.add_argument('--batch', type=int, default=4)
    c.add_argument('--tol', type=float, default=1e-4)
    c.add_argument('--print-names', action='store_true')
    c.add_argument('--json-out')
    b = sub.add_parser('bench')
    b.add_argument('--arch', default=str(ROOT / 'data' / 'arch' / 'macs12m.json'))
    b.add_argument('--threads', type=shape, default=[1, 2])
    b.add_argument('--batch', type=int, default=64)
    b.add_argument('--warmup', type=int, default=5)
    b.add_argument('--steps', type=int, default=20)
    b.add_argument('--repeats', type=int, default=3)
    b.add_argument('--classes', type=int, default=10)
    b.add_argument('--input', type=shape, default=[3, 32, 32])
    args = p.parse_args()
    return {'names': cmd_names, 'selftest': cmd_selftest, 'sample30': cmd_sample30,
            'labels30': cmd_labels30, 'check': cmd_check, 'bench': cmd_bench}[args.cmd](args)


if __name__ == '__main__':
    sys.exit(main())
