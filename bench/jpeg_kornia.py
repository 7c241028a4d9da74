"""Ours or kornia's differentiable JPEG? (#22) Both against Pillow's real JPEG (libjpeg-turbo).

    pip install --target /tmp/kornia_pkg kornia==0.8.1 kornia_rs==0.1.9 --no-deps
    KORNIA=/tmp/kornia_pkg python bench/jpeg_kornia.py

kornia is not a dependency of dadfi; this bench alone reads it from $KORNIA. For 16 embedded CelebA faces at 64
and 128 pixels and qualities 30/50/75/95: the mean absolute difference in 8-bit levels of each differentiable JPEG
from Pillow's, beside how far Pillow's JPEG moves the face.
"""
import os, sys
sys.path.insert(0, os.environ.get('KORNIA', '/tmp/kornia_pkg'))
import numpy as np, torch, kornia
from kornia.enhance import jpeg_codec_differentiable
from dadfi.core import to_tensor, to_uint8
from dadfi.data import DatasetParams, load_dataset
from dadfi.robust import jpeg
from dadfi.robust import diff_jpeg

fs = load_dataset(DatasetParams('celeba'))
print(f'kornia {kornia.__version__}; mean |x - Pillow| in levels')
for size in (64, 128):
    u8 = np.stack([fs.image(i, size) for i in range(16)]); x = to_tensor(u8)
    for q in (30, 50, 75, 95):
        real = jpeg(u8, q).astype(float)
        ours = to_uint8(diff_jpeg(x, q)).astype(float)
        kor = to_uint8(jpeg_codec_differentiable((x + 1)/2, torch.tensor([float(q)]))*2 - 1)
        print(f'{size} px, quality {q}: JPEG moves {np.abs(real - u8).mean():.2f}; '
              f'dadfi {np.abs(ours - real).mean():.2f}; kornia {np.abs(kor.astype(float) - real).mean():.2f}')
