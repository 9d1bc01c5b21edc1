"""Helpers of bench/input-size.sh: `images DIR` writes the Fashion-MNIST test images it uses as PNG
folders (one per class); `score PREFIX` prints each model's nearest-centroid accuracy (5 folds)."""
import glob
import gzip
import os
import sys

import numpy as np


def images(out):
    from PIL import Image
    d = "/usr/share/datasets/fashion-mnist/"
    x = np.frombuffer(gzip.open(d + "t10k-images-idx3-ubyte.gz").read()[16:], np.uint8).reshape(-1, 28, 28)
    y = np.frombuffer(gzip.open(d + "t10k-labels-idx1-ubyte.gz").read()[8:], np.uint8)
    count = [0] * 10
    for i, (img, label) in enumerate(zip(x, y)):
        if count[label] < 200:
            count[label] += 1
            os.makedirs(f"{out}/{label}", exist_ok=True)
            Image.fromarray(img).save(f"{out}/{label}/{i:05d}.png")


def score(prefix):
    labels = np.load(prefix + "labels.npy").astype(int)
    for f in sorted(glob.glob(prefix + "*.npy")):
        if f.endswith("labels.npy"):
            continue
        x = np.load(f).astype(np.float64)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        fold = np.random.default_rng(0).integers(0, 5, len(labels))
        acc = []
        for k in range(5):
            train, test = fold != k, fold == k
            centroids = np.stack([x[train & (labels == c)].mean(0) for c in range(10)])
            acc.append(((x[test] @ centroids.T).argmax(1) == labels[test]).mean())
        print(f"  {os.path.basename(f)[:-4]}: nearest-centroid accuracy {np.mean(acc):.3f}")


if __name__ == "__main__":
    {"images": images, "score": score}[sys.argv[1]](sys.argv[2])
