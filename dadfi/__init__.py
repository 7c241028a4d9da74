"""DADFI: a destructive active defense for face images against deepfake face editing

Modules:

- `dadfi.photos`: Real photos on their way to an editor: faces at their own size, the editor's detector, framing and downscale, and what happens to the whole photo first (JPEG, resizing).
- `dadfi.refine`: DADFI-robust + refine (ours): a per-photo PGD that starts from `Gen`'s protection and follows the editor's path blind to its boxes, within its own `lim`.
- `dadfi.robust`: The photo's path to an editor: JPEG, resizing, pasting, the editor's detector and crop; real, and differentiable for training."""

__version__ = "0.0.1"
