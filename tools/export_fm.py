#!/usr/bin/env python3
"""Export a vision foundation model's image encoder to ONNX or TorchScript, with the fmselect spec file that runs it.

Run it where PyTorch (and, for real weights, transformers or open_clip) is installed; fmselect itself
needs only the two files it writes: OUT/NAME.onnx (or OUT/NAME.pt with --format torchscript) and
OUT/NAME.yaml (point `fmselect embed --models` or `fmselect run --models` at OUT). ONNX runs through
ONNX Runtime; TorchScript runs through libtorch (DJL's PyTorch engine), for models whose ops ONNX
cannot express.

  # real weights, from a local folder (a Hugging Face snapshot, or an open_clip checkpoint file for EVA)
  tools/export_fm.py --arch dinov2-vits14 --weights ~/weights/dinov2-small --out models/
  # the same architecture with random weights (benchmarks, or machines without weights)
  tools/export_fm.py --arch clip-vitb32 --random-init --out models/
  # TorchScript instead of ONNX
  tools/export_fm.py --arch siglip-base --weights ~/weights/siglip-base --format torchscript --out models/

Embedding per architecture (what the paper's FMs use): DINOv2 the CLS token after the final layer
norm; CLIP and EVA-CLIP the projected image embedding; SigLIP the pooled output. Preprocessing in the
spec follows each model's own: input size, resize (shorter side) and center crop, mean/std, and bicubic
resizing on PIL images (interpolation: bicubic, antialias: true) for DINOv2, CLIP and EVA-CLIP.
"""
import argparse
import pathlib
import sys

IMAGENET = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
CLIP = ([0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711])
HALF = ([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])

# name: (input size, resize, (mean, std), embedding dim, ViT shape for --random-init:
#        (patch, layers, heads, width, mlp, projection or None))
ARCHS = {
    "dinov2-vits14": (224, 256, IMAGENET, 384, (14, 12, 6, 384, 1536, None)),
    "dinov2-vitb14": (224, 256, IMAGENET, 768, (14, 12, 12, 768, 3072, None)),
    "clip-vitb32": (224, 224, CLIP, 512, (32, 12, 12, 768, 3072, 512)),
    "clip-vitl14": (224, 224, CLIP, 768, (14, 24, 16, 1024, 4096, 768)),
    "siglip-base": (224, 224, HALF, 768, (16, 12, 12, 768, 3072, None)),
    "eva-clip-b16": (224, 224, CLIP, 512, (16, 12, 12, 768, 3072, 512)),
}


def random_vit(arch, seed):
    import torch
    from torchvision.models.vision_transformer import VisionTransformer

    size, _, _, dim, (patch, layers, heads, width, mlp, proj) = ARCHS[arch]
    torch.manual_seed(seed)
    vit = VisionTransformer(image_size=size, patch_size=patch, num_layers=layers, num_heads=heads,
                            hidden_dim=width, mlp_dim=mlp)
    vit.heads = torch.nn.Identity()  # CLS token after the final layer norm
    return torch.nn.Sequential(vit, torch.nn.Linear(width, proj, bias=False)) if proj else vit


def real_encoder(arch, weights):
    import torch

    class Encoder(torch.nn.Module):
        def __init__(self, fn, module):
            super().__init__()
            self.module = module
            self.fn = fn

        def forward(self, image):
            return self.fn(self.module, image)

    if arch.startswith("dinov2"):
        from transformers import Dinov2Model
        return Encoder(lambda m, x: m(pixel_values=x).pooler_output, Dinov2Model.from_pretrained(weights))
    if arch.startswith("clip"):
        from transformers import CLIPVisionModelWithProjection
        return Encoder(lambda m, x: m(pixel_values=x).image_embeds, CLIPVisionModelWithProjection.from_pretrained(weights))
    if arch.startswith("siglip"):
        from transformers import SiglipVisionModel
        return Encoder(lambda m, x: m(pixel_values=x).pooler_output, SiglipVisionModel.from_pretrained(weights))
    if arch.startswith("eva-clip"):
        import open_clip
        model, _, _ = open_clip.create_model_and_transforms("EVA02-B-16", pretrained=str(weights))
        return Encoder(lambda m, x: m.encode_image(x), model)
    raise ValueError(arch)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--arch", required=True, choices=sorted(ARCHS))
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--weights", type=pathlib.Path, help="local weights (folder, or checkpoint file for eva-clip)")
    src.add_argument("--random-init", action="store_true", help="the architecture with random weights")
    p.add_argument("--out", type=pathlib.Path, required=True, help="folder for the model file and NAME.yaml")
    p.add_argument("--name", help="FM name (default: the architecture)")
    p.add_argument("--format", choices=["onnx", "torchscript"], default="onnx")
    p.add_argument("--opset", type=int, default=14, help="ONNX opset")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=16)
    a = p.parse_args(argv)

    import torch

    if a.weights is not None and not a.weights.exists():
        p.error(f"--weights {a.weights}: no such file or folder")
    name = a.name or a.arch
    size, resize, (mean, std), dim, _ = ARCHS[a.arch]
    model = random_vit(a.arch, a.seed) if a.random_init else real_encoder(a.arch, a.weights)
    model.eval()
    a.out.mkdir(parents=True, exist_ok=True)
    model_file = a.out / f"{name}.{'pt' if a.format == 'torchscript' else 'onnx'}"
    tmp = a.out / f".{model_file.name}.tmp"
    with torch.no_grad():
        got = model(torch.zeros(1, 3, size, size))
    if tuple(got.shape) != (1, dim):
        sys.exit(f"export_fm: {a.arch} gives embeddings of shape {tuple(got.shape)}, expected (1, {dim})")
    if a.format == "torchscript":
        # traced at batch 2 so that the batch size stays a variable of the graph
        with torch.no_grad():
            traced = torch.jit.trace(model, torch.zeros(2, 3, size, size), check_trace=False)
            again = traced(torch.zeros(3, 3, size, size))
        if tuple(again.shape) != (3, dim):
            sys.exit(f"export_fm: the traced {a.arch} gives shape {tuple(again.shape)} at batch 3, expected (3, {dim})")
        traced.save(str(tmp))
    else:
        # exported with autograd on: under no_grad, attention takes a fused fast path ONNX cannot express
        torch.onnx.export(model, torch.zeros(1, 3, size, size), str(tmp), input_names=["image"],
                          output_names=["embedding"], dynamic_axes={"image": {0: "batch"}, "embedding": {0: "batch"}},
                          opset_version=a.opset)
    tmp.replace(model_file)
    spec = "\n".join([
        f"# {a.arch}: {'random weights' if a.random_init else 'weights from ' + str(a.weights)} (tools/export_fm.py)",
        f"name: {name}",
        f"model: {model_file.name}",
        f"engine: {'PyTorch' if a.format == 'torchscript' else 'OnnxRuntime'}",
        f"input_size: {size}",
        f"resize: {resize}",
        f"interpolation: {'bilinear' if a.arch.startswith('siglip') else 'bicubic'}",
        "antialias: true",
        f"mean: {mean}",
        f"std: {std}",
        "channels: RGB",
        f"output: {'0' if a.format == 'torchscript' else 'embedding'}",
        "pooling: none",
        f"dimension: {dim}",
        "device: cpu",
        f"batch_size: {a.batch_size}",
        "max_delay_ms: 20",
        ""])
    (a.out / f"{name}.yaml").write_text(spec)
    print(f"wrote {model_file} and {a.out / (name + '.yaml')}")


if __name__ == "__main__":
    main()
