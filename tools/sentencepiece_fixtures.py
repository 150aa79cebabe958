#!/usr/bin/python3
"""Makes the SentencePiece test fixtures of datasets/src/test/resources/sentencepiece/.

Needs Debian's python3-sentencepiece (apt-get install python3-sentencepiece); run it with the system
python (/usr/bin/python3), from the repository root:

    /usr/bin/python3 tools/sentencepiece_fixtures.py

It trains small BPE models on a corpus it generates (seeded, so a rerun gives the same corpus; the
trainer itself is deterministic for one sentencepiece version) and writes, for each model, the ids and
the decoded text python3-sentencepiece gives for 1,200+ varied strings:

  internlm2.model    BPE like InternLM2's tokenizer.model: byte_fallback, split_digits,
                     allow_whitespace_only_pieces, identity normalizer, add_dummy_prefix off (see below),
                     remove_extra_whitespaces off; six user-defined pieces [UNUSED_TOKEN_141..146]
                     standing where InternLM2 keeps the ids its tokenizer_config renames <|im_start|> ...
  squeeze.model      the same trainer settings with the spm_train defaults InternLM2 turns off:
                     remove_extra_whitespaces on, add_dummy_prefix on, no user-defined pieces
  expected-<name>.json  {"model", "normalizer", "cases": [{"text", "ids", "pieces", "decoded"}]}

and, in internlm2-tokenizer/, a model directory with tokenizer.model (a copy of internlm2.model) and
the tokenizer_config.json of an InternVL2 checkpoint's shape (added_tokens_decoder renaming the
user-defined pieces and adding <img>, </img>, <IMG_CONTEXT>, <quad>, ...), with expected ids of texts
holding added tokens as transformers' slow tokenizers make them: the text split at added tokens
(longest match, left to right), each other segment encoded by sentencepiece on its own; and
expected-internlm2-chat.json: conversations rendered as conversation.py's 'internlm2-chat' and labelled
by preprocess_internlm's arithmetic (internvl/train/dataset.py). That arithmetic counts the tokens of
each answer tokenized on its own, which agrees with the whole conversation's tokens only when a segment
gets no dummy prefix: so InternLM2's add_dummy_prefix is taken to be off (with it on, every conversation
here is a 'tokenization mismatch'); squeeze.model covers the dummy prefix.
"""
import json
import os
import random
import shutil
import sys
import tempfile

import sentencepiece as spm

OUT = os.path.join("datasets", "src", "test", "resources", "sentencepiece")
SEED = 20240520

WORDS_EN = ("the quick brown fox jumps over lazy dog model vision language distillation teacher student "
            "image token patch layer attention hello world data train loss gradient batch sequence "
            "internvl intern chat assistant user system answer question picture describe color shape").split()
WORDS_DE = "über Straße Mädchen schön größer Fußball Äpfel Öl grün weiß".split()
WORDS_FR = "été garçon français déjà où naïve cœur Noël crème brûlée".split()
WORDS_RU = "привет мир модель язык данные обучение изображение".split()
ZH = "你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型英文名叫一个有用无害的助手图片中有什么颜色形状请描述这张"
JA = "こんにちは世界これはテストですカタカナひらがな"
KO = "안녕하세요세계모델이미지"
AR = "مرحبا بالعالم نموذج"
EMOJI = ["😀", "🚀", "🇩🇪", "👍🏽", "👨‍👩‍👧", "❤️", "🎉", "🐍"]
PUNCT = list(".,;:!?()[]{}<>\"'`~@#$%^&*-_=+/\\|")
SPACES = [" ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n ", "\u3000", "\u00a0", "    "]
# characters the corpus never holds: byte fallback
RARE = ["ᚠ", "ᚢ", "ꙮ", "𝔸", "𝕏", "∮", "⨌", "ओ", "ก", "ጀ", "ᐁ", "𓀀", "🦩", "🪐", "\u200b", "\ufeff", "ǅ", "Ω", "ß"]
CONTROL = ["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x0b", "\x0c", "\x85"]
COMBINING = ["e\u0301", "a\u0308", "n\u0303", "o\u0302\u0323", "\u0301", "Z\u0335\u0336"]


def corpus_line(rng):
    parts = []
    for _ in range(rng.randint(3, 14)):
        k = rng.random()
        if k < 0.35:
            parts.append(rng.choice(WORDS_EN) + rng.choice(["", "", "", ",", ".", "!", "?"]))
        elif k < 0.42:
            parts.append(rng.choice(WORDS_DE))
        elif k < 0.48:
            parts.append(rng.choice(WORDS_FR))
        elif k < 0.54:
            parts.append(rng.choice(WORDS_RU))
        elif k < 0.70:
            start = rng.randrange(len(ZH) - 4)
            parts.append(ZH[start:start + rng.randint(2, 8)])
        elif k < 0.74:
            start = rng.randrange(len(JA) - 3)
            parts.append(JA[start:start + rng.randint(2, 6)])
        elif k < 0.77:
            parts.append(KO[rng.randrange(len(KO) - 3):][:rng.randint(2, 5)])
        elif k < 0.79:
            parts.append(AR)
        elif k < 0.84:
            parts.append(str(rng.randint(0, 10 ** rng.randint(1, 7))))
        elif k < 0.88:
            parts.append(rng.choice(EMOJI))
        elif k < 0.93:
            parts.append("".join(rng.choice(PUNCT) for _ in range(rng.randint(1, 3))))
        else:
            parts.append(rng.choice(["def f(x):\n    return x + 1", "if (a == b) {\n\tc();\n}", "    ", "\t\t", "x = [1, 2, 3]"]))
    sep = [rng.choice([" ", " ", " ", "", "  ", "\n"]) for _ in parts]
    return "".join(p + s for p, s in zip(parts, sep)).strip("\n")


def test_string(rng, corpus, user_defined):
    k = rng.random()
    if k < 0.25:
        return rng.choice(corpus)[:rng.randint(1, 120)]
    pools = [WORDS_EN, WORDS_DE, WORDS_FR, WORDS_RU, list(ZH), list(JA), list(KO), EMOJI, PUNCT, SPACES,
             RARE, CONTROL, COMBINING, [str(d) for d in range(10)], ["12345", "3.14159", "2024-05-20", "007"],
             user_defined or ["x"], ["▁", "▁▁", "<s>", "</s>", "<unk>", "<0x41>", "<0xE4>"]]
    out = []
    for _ in range(rng.randint(1, 12)):
        out.append(rng.choice(rng.choice(pools)))
        if rng.random() < 0.5:
            out.append(rng.choice(SPACES) if rng.random() < 0.3 else " ")
    s = "".join(out)
    if rng.random() < 0.2:
        s = rng.choice(SPACES) + s
    if rng.random() < 0.2:
        s = s + rng.choice(SPACES)
    return s


FIXED = ["", " ", "  ", "\n", "\t", " \t\n ", "a", " a", "a ", "  a  b  ", "hello world", "Hello World",
         "你好，世界", "😀", "👨‍👩‍👧", "ᚠᚢ", "\x00", "e\u0301", "1234567890", "▁", "[UNUSED_TOKEN_146]",
         "x[UNUSED_TOKEN_145]y", "<s>hi</s>", "\u3000\u3000", "\r\n\r\n", "a" * 200, "🦩" * 5, " " * 40]


def train(name, corpus_file, tmp, **options):
    prefix = os.path.join(tmp, name)
    spm.SentencePieceTrainer.train(input=corpus_file, model_prefix=prefix, **options)
    shutil.copyfile(prefix + ".model", os.path.join(OUT, name + ".model"))
    return spm.SentencePieceProcessor(model_file=prefix + ".model")


def expected(name, sp, texts, normalizer):
    cases = []
    for t in texts:
        ids = sp.encode(t)
        cases.append({"text": t, "ids": ids, "pieces": [sp.id_to_piece(i) for i in ids], "decoded": sp.decode(ids)})
    write_cases(os.path.join(OUT, "expected-" + name + ".json"),
                {"model": name + ".model", "normalizer": normalizer, "sentencepiece": spm.__version__}, cases)


def write_cases(path, header, cases):
    """One case a line, ASCII with JSON escapes (control characters, emoji and CJK survive any editor)."""
    with open(path, "w", encoding="ascii") as f:
        f.write(json.dumps(header)[:-1] + ', "cases": [\n')
        f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
        f.write("\n]}\n")


# InternVL2's tokenizer_config.json renames InternLM2's pieces 92538..92543 and adds nine tokens after
# the 92544 pieces; here the six user-defined pieces are renamed and the nine come after the model's pieces
RENAMED = ["<|plugin|>", "<|interpreter|>", "<|action_end|>", "<|action_start|>", "<|im_end|>", "<|im_start|>"]
ADDED = ["<img>", "</img>", "<IMG_CONTEXT>", "<quad>", "</quad>", "<ref>", "</ref>", "<box>", "</box>"]


def slow_tokenizer_ids(sp, added, text):
    """transformers' PreTrainedTokenizer.tokenize + convert_tokens_to_ids, no special tokens added:
    added tokens split off (the longest at the leftmost position), other segments through sentencepiece."""
    ids, i, start = [], 0, 0
    while i < len(text):
        match = max((t for t in added if text.startswith(t, i)), key=len, default=None)
        if match is None:
            i += 1
            continue
        if start < i:
            ids += sp.encode(text[start:i])
        ids.append(added[match])
        i += len(match)
        start = i
    if start < len(text):
        ids += sp.encode(text[start:])
    return ids


SYSTEM = "你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型，英文名叫InternVL, 是一个有用无害的人工智能助手。"


def internlm2_chat_prompt(turns):
    """internvl/conversation.py's 'internlm2-chat' (SeparatorStyle.MPT) get_prompt, each message stripped
    as preprocess_internlm strips them."""
    ret = "<|im_start|>system\n" + SYSTEM + "<|im_end|>"
    for question, answer in turns:
        ret += "<|im_start|>user\n" + question.strip() + "<|im_end|>"
        ret += "<|im_start|>assistant\n" + answer.strip() + "<|im_end|>"
    return ret


def preprocess_internlm_labels(tokenize, prompt):
    """internvl/train/dataset.py's preprocess_internlm label arithmetic, tokenize(x) = [<s>] + ids of x.
    Returns (ids, labels, consistent); inconsistent is its 'tokenization mismatch' (all labels ignored)."""
    user, assistant, ignore = "<|im_start|>user\n", "<|im_start|>assistant\n", -100
    ids = tokenize(prompt)
    target = list(ids)
    cur = 1
    target[:cur] = [ignore] * cur
    parts = prompt.split(assistant)
    n = len(tokenize(parts[0] + assistant)) - 1
    target[cur:cur + n] = [ignore] * len(target[cur:cur + n])
    cur += n
    for index in range(1, len(parts) - 1):
        part1, part2 = parts[index].split(user)
        cur += len(tokenize(part1)) - 1
        n = len(tokenize(user + part2 + assistant)) - 1
        target[cur:cur + n] = [ignore] * len(target[cur:cur + n])
        cur += n
    cur += len(tokenize(parts[-1])) - 1
    target[cur:] = [ignore] * len(target[cur:])
    return ids, target, cur == len(ids)


def internlm2_directory(sp, rng, corpus):
    d = os.path.join(OUT, "internlm2-tokenizer")
    os.makedirs(d, exist_ok=True)
    shutil.copyfile(os.path.join(OUT, "internlm2.model"), os.path.join(d, "tokenizer.model"))
    decoder = {}
    for i, content in enumerate(RENAMED):
        decoder[str(sp.piece_to_id("[UNUSED_TOKEN_%d]" % (141 + i)))] = content
    for i, content in enumerate(ADDED):
        decoder[str(sp.get_piece_size() + i)] = content
    for special in ["<unk>", "<s>", "</s>"]:
        decoder[str(sp.piece_to_id(special))] = special
    entry = lambda c: {"content": c, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False, "special": True}
    config = {
        "added_tokens_decoder": {k: entry(v) for k, v in sorted(decoder.items(), key=lambda kv: int(kv[0]))},
        "additional_special_tokens": RENAMED + ADDED,
        "auto_map": {"AutoTokenizer": ["tokenization_internlm2.InternLM2Tokenizer", None]},
        "bos_token": "<s>", "eos_token": "</s>", "pad_token": "</s>", "unk_token": "<unk>",
        "clean_up_tokenization_spaces": False, "model_max_length": 4096,
        "tokenizer_class": "InternLM2Tokenizer",
    }
    with open(os.path.join(d, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False, indent=2)
        f.write("\n")
    added = {v: int(k) for k, v in decoder.items()}
    texts = ["<s><|im_start|>system\n你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型，英文名叫InternVL, 是一个有用无害的人工智能助手。"
             "<|im_end|><|im_start|>user\n<img>" + "<IMG_CONTEXT>" * 4 + "</img>\nWhat colour is the square?<|im_end|>"
             "<|im_start|>assistant\nIt is red.<|im_end|>",
             "<|im_start|><|im_end|>", "a<img>b", " <img> ", "<img><img>", "<im", "<IMG_CONTEXT", "[UNUSED_TOKEN_146]",
             "<box>[[1, 2, 3, 4]]</box>", "<ref>the dog</ref><quad>", "", "</s>end"]
    for _ in range(200):
        parts = [rng.choice(corpus)[:rng.randint(0, 40)] if rng.random() < 0.6 else rng.choice(list(added))
                 for _ in range(rng.randint(1, 6))]
        texts.append("".join(parts))
    cases = [{"text": t, "ids": slow_tokenizer_ids(sp, added, t)} for t in texts]
    with open(os.path.join(d, "config.json"), "w", encoding="utf-8") as f:
        f.write('{"template": "internlm2-chat"}\n')
    chats = [[("What colour is the square?", "It is red.")],
             [("  Describe the picture.\n", " A cat sits on a mat. "), ("And the dog?", "Ein Hund läuft über die Straße.")],
             [("你好", "你好！我是书生多模态大模型。"), ("What is 2+2?", "Four."), ("Thanks", "You are welcome 😀")],
             [("Count to three.", "1, 2, 3.")]]
    tokenize = lambda x: [sp.piece_to_id("<s>")] + slow_tokenizer_ids(sp, added, x)
    chat_cases = []
    for turns in chats:
        prompt = internlm2_chat_prompt(turns)
        ids, labels, consistent = preprocess_internlm_labels(tokenize, prompt)
        chat_cases.append({"turns": turns, "text": "<s>" + prompt, "ids": ids, "labels": labels,
                           "reference_consistent": consistent})
    write_cases(os.path.join(OUT, "expected-internlm2-chat.json"), {"directory": "internlm2-tokenizer"}, chat_cases)
    write_cases(os.path.join(OUT, "expected-internlm2-tokenizer.json"),
                {"directory": "internlm2-tokenizer", "vocab_size": sp.get_piece_size() + len(ADDED)}, cases)


def main():
    if not os.path.isdir("datasets"):
        sys.exit("run from the repository root")
    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(SEED)
    corpus = [corpus_line(rng) for _ in range(6000)]
    user_defined = ["[UNUSED_TOKEN_%d]" % i for i in range(141, 147)]
    texts = FIXED + [test_string(rng, corpus, user_defined) for _ in range(1200)]
    # a fixed folder: the model file records the corpus path and model prefix (trainer_spec.input, model_prefix)
    tmp = os.path.join(tempfile.gettempdir(), "vlmd-sentencepiece-fixtures")
    os.makedirs(tmp, exist_ok=True)
    if True:
        corpus_file = os.path.join(tmp, "corpus.txt")
        with open(corpus_file, "w", encoding="utf-8") as f:
            f.write("\n".join(line.replace("\n", " ") for line in corpus) + "\n")
        common = dict(model_type="bpe", vocab_size=2000, byte_fallback=True, split_digits=True,
                      allow_whitespace_only_pieces=True, character_coverage=0.9995, num_threads=1,
                      minloglevel=2, max_sentence_length=100000)
        sp = train("internlm2", corpus_file, tmp, normalization_rule_name="identity", add_dummy_prefix=False,
                   remove_extra_whitespaces=False, user_defined_symbols=user_defined, **common)
        expected("internlm2", sp, texts, "identity")
        internlm2_directory(sp, rng, corpus)
        sq = train("squeeze", corpus_file, tmp, normalization_rule_name="identity", add_dummy_prefix=True,
                   remove_extra_whitespaces=True, **common)
        expected("squeeze", sq, texts, "identity")


if __name__ == "__main__":
    main()
