"""Accuracy, macro-F1 and the confusion matrix of the intent router."""

import csv
import time
from collections import Counter, defaultdict
from pathlib import Path


def add_arguments(parser):
    parser.add_argument(
        "file",
        help="CSV with the columns text,intent (and optionally language).",
    )
    parser.add_argument(
        "--errors",
        type=int,
        default=0,
        metavar="N",
        help="Also list up to N misrouted texts.",
    )


def run(*, file, errors=0, router=None, **options):
    """Route every row of ``file`` and compare with its ``intent``.

    Returns ``accuracy``, ``macro_f1`` (the mean F1 over the intents that
    occur in the file, so a file without, say, small talk is not marked
    down for it), ``confusion`` ({true: {predicted: count}}), ``n``,
    ``per_intent`` precision/recall/F1/support and the mean routing time
    per message in milliseconds.
    """
    from ..chat.router import INTENTS, get_router

    rows = read_rows(Path(file), INTENTS)
    router = router or get_router()
    started = time.perf_counter()
    routes = router.route_many(
        [text for text, _, _ in rows], languages=[lang for _, _, lang in rows]
    )
    elapsed = time.perf_counter() - started

    gold = [intent for _, intent, _ in rows]
    predicted = [r.intent for r in routes]
    result = score(gold, predicted)
    result["ms_per_message"] = round(1000 * elapsed / len(rows), 2)
    if errors:
        result["errors"] = [
            {"text": text, "intent": true, "predicted": pred}
            for (text, true, _), pred in zip(rows, predicted, strict=True)
            if true != pred
        ][:errors]
    return result


def read_rows(path, intents):
    """The ``(text, intent, language or None)`` rows of an evaluation CSV."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if not {"text", "intent"} <= set(reader.fieldnames or ()):
            raise ValueError(f"{path}: needs the columns text,intent")
        rows = []
        for line, row in enumerate(reader, start=2):
            intent = (row["intent"] or "").strip()
            if intent not in intents:
                raise ValueError(
                    f"{path}:{line}: unknown intent {intent!r} "
                    f"(expected one of {', '.join(intents)})"
                )
            language = (row.get("language") or "").strip() or None
            rows.append((row["text"] or "", intent, language))
    if not rows:
        raise ValueError(f"{path}: no rows")
    return rows


def score(gold, predicted):
    """Accuracy, macro-F1, per-intent figures and the confusion matrix."""
    confusion = defaultdict(Counter)
    for true, pred in zip(gold, predicted, strict=True):
        confusion[true][pred] += 1
    predicted_counts = Counter(predicted)

    per_intent, f1_scores = {}, []
    for intent in sorted(confusion):
        hits = confusion[intent][intent]
        support = sum(confusion[intent].values())
        precision = hits / predicted_counts[intent] if predicted_counts[intent] else 0
        recall = hits / support
        f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
        f1_scores.append(f1)
        per_intent[intent] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": support,
        }

    correct = sum(confusion[intent][intent] for intent in confusion)
    macro_f1 = sum(f1_scores) / len(f1_scores)
    return {
        "accuracy": round(correct / len(gold), 4),
        "macro_f1": round(macro_f1, 4),
        "n": len(gold),
        "confusion": {true: dict(row) for true, row in sorted(confusion.items())},
        "per_intent": per_intent,
    }
