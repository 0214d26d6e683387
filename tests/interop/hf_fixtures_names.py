"""The fixture matrix of the TF-side tests, without importing torch (the tf venv has none).
Names follow hf_fixtures.spec_name."""


def name_of(spec):
    parts = [spec["model"], spec["dtype"], "st" if spec["safe"] else "bin"]
    if spec.get("shard"):
        parts.append("sharded")
    if spec.get("tied"):
        parts.append("tied")
    return "-".join(parts)


def tf_read_cases():
    """Both models x both embedding modes (tied models with --share_embeddings) x fp32, fp16,
    bf16 and sharded inputs, in both file formats."""
    inputs = [("float32", True, None), ("float16", False, None), ("bfloat16", True, None),
              ("float32", True, "20KB"), ("bfloat16", False, "20KB")]
    cases = []
    for model in ("gptj", "gpt_neox"):
        for tied in (False, True):
            for dtype, safe, shard in inputs:
                spec = {"model": model, "dtype": dtype, "safe": safe, "shard": shard,
                        "tied": tied}
                cases.append((name_of(spec), spec))
    return cases
