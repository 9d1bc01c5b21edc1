#!/usr/bin/python3
"""Golden preprocessing tensors for PreprocessorGoldenTest, computed by torchvision.

Run with the Debian packages (python3-torchvision, python3-numpy, python3-pil):

  /usr/bin/python3 tools/make_preprocess_goldens.py [--out fmselect-embed/src/test/resources/preprocess]

For each small seeded test image (written as PNG, so that Java reads the very same pixels) and each
(interpolation, antialias) pair it writes what torchvision gives after Resize(resize) + CenterCrop(crop):

  NAME.png                          the input image (8-bit RGB)
  NAME-INTERP-aa|noaa.u8.npy        the cropped image, uint8, H x W x 3
  NAME-INTERP-aa|noaa.f32.npy       after ToTensor and Normalize(CLIP mean/std), float32, 3 x H x W
  cases.tsv                         one line per image: name, width, height, resize, crop

The reference paths (docs/design.md, "Preprocessing"):
  antialias true  = what DINOv2's and CLIP's own transforms do: Resize on a PIL image (PIL's resampling,
                    which always antialiases when downscaling), then ToTensor and Normalize;
  antialias false = Resize on a uint8 CHW tensor with antialias=False (torch.nn.functional.interpolate,
                    align_corners=False, rounded half to even back to uint8; bicubic clamped to [0, 255]
                    first), then the same ToTensor and Normalize on that uint8 image.
It also prints how far the tensor path with antialias=True is from the PIL path (not stored).
"""
import argparse
import pathlib

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision import transforms as T
from torchvision.transforms import InterpolationMode

MEAN = [0.48145466, 0.4578275, 0.40821073]  # CLIP's
STD = [0.26862954, 0.26130258, 0.27577711]

# name, width, height, resize (shorter side), crop; comments give torchvision's geometry
CASES = [
    # 42.67 -> 42 x 32; crop 25: left round(8.5) = 8 (half to even), top round(3.5) = 4
    ("land40x30", 40, 30, 32, 25),
    # 35 x 47 -> 20 x 26 (26.86 truncated, not 27); crop 15: left round(2.5) = 2, top round(5.5) = 6
    ("port35x47", 35, 47, 20, 15),
    # 13.5 -> 13 x 9; crop 8: left round(2.5) = 2, top round(0.5) = 0
    ("land21x14", 21, 14, 9, 8),
    # 33 x 47 -> 20 x 28 (28.48); crop 16: left 2, top 6
    ("port33x47", 33, 47, 20, 16),
    # 525 x 350 in small: 60 x 40 -> 24 x 36; crop 21: left round(7.5) = 8, top round(1.5) = 2
    ("land60x40", 60, 40, 24, 21),
    # upscaling: 12 x 9 -> 26.67 -> 26 x 20; crop 17: left round(4.5) = 4, top round(1.5) = 2
    ("up12x9", 12, 9, 20, 17),
    # upscaling, tall: 7 x 11 -> 16 x 25 (25.14); crop 16: top round(4.5) = 4
    ("up7x11", 7, 11, 16, 16),
    # equal sides: 50 x 50 -> 19 x 19; crop 18: offsets round(0.5) = 0
    ("sq50", 50, 50, 19, 18),
    # shorter side already the size: no resize; crop 31: left round(4.5) = 4, top round(0.5) = 0
    ("same40x32", 40, 32, 32, 31),
]

MODES = {"bilinear": InterpolationMode.BILINEAR, "bicubic": InterpolationMode.BICUBIC}


def image(seed, w, h):
    """Seeded pixels with smooth parts, noise and hard 0/255 edges (bicubic overshoot gets clipped)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    smooth = np.stack([255 * x / max(w - 1, 1), 255 * y / max(h - 1, 1), 127.5 + 127.5 * np.sin((x + y) / 3.0)], -1)
    noise = rng.integers(0, 256, (h, w, 3))
    mix = np.where(rng.random((h, w, 1)) < 0.5, smooth, noise)
    edges = ((x // 4 + y // 5) % 3 == 0)[..., None]
    mix = np.where(edges, np.where(((x // 4) % 2 == 0)[..., None], 255, 0), mix)
    return np.clip(np.rint(mix), 0, 255).astype(np.uint8)


def to_float(u8_hwc):
    """ToTensor + Normalize on a uint8 H x W x 3 image, as the FMs' pipelines do."""
    return T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)])(Image.fromarray(u8_hwc, "RGB")).numpy()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=pathlib.Path, default=pathlib.Path("fmselect-embed/src/test/resources/preprocess"))
    a = p.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, PIL {Image.__version__}")
    lines = ["# name\twidth\theight\tresize\tcrop"]
    for seed, (name, w, h, resize, crop) in enumerate(CASES):
        px = image(seed, w, h)
        Image.fromarray(px, "RGB").save(a.out / f"{name}.png", optimize=True)
        assert np.array_equal(np.asarray(Image.open(a.out / f"{name}.png").convert("RGB")), px)
        lines.append(f"{name}\t{w}\t{h}\t{resize}\t{crop}")
        chw = torch.from_numpy(px).permute(2, 0, 1).contiguous()
        for interp, mode in MODES.items():
            # antialias true: the PIL path
            pil = T.CenterCrop(crop)(T.Resize(resize, interpolation=mode)(Image.fromarray(px, "RGB")))
            u8 = np.asarray(pil)
            # antialias false: the uint8 tensor path
            t = T.CenterCrop(crop)(T.Resize(resize, interpolation=mode, antialias=False)(chw))
            u8_noaa = t.permute(1, 2, 0).contiguous().numpy()
            # for the record: the tensor path with antialias=True against PIL
            t_aa = T.CenterCrop(crop)(T.Resize(resize, interpolation=mode, antialias=True)(chw))
            d = np.abs(t_aa.permute(1, 2, 0).numpy().astype(int) - u8.astype(int))
            print(f"{name} {interp}: tensor antialias=True vs PIL: max {d.max()} uint8 steps, {np.count_nonzero(d)}"
                  f" of {d.size} values differ; antialias=False vs PIL: max"
                  f" {np.abs(u8_noaa.astype(int) - u8.astype(int)).max()}")
            for tag, img in (("aa", u8), ("noaa", u8_noaa)):
                assert img.shape == (crop, crop, 3) and img.dtype == np.uint8
                np.save(a.out / f"{name}-{interp}-{tag}.u8.npy", img)
                f = to_float(img)
                assert f.shape == (3, crop, crop) and f.dtype == np.float32
                np.save(a.out / f"{name}-{interp}-{tag}.f32.npy", f)
    (a.out / "cases.tsv").write_text("\n".join(lines) + "\n")
    total = sum(f.stat().st_size for f in a.out.iterdir())
    print(f"wrote {len(CASES)} images and their goldens to {a.out} ({total} bytes)")


if __name__ == "__main__":
    main()
