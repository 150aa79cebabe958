#!/usr/bin/python3
"""Renders the chat-template fixtures exactly as Hugging Face transformers does, to make the expected
outputs the Java renderer is compared with byte for byte.

Run from this directory with Debian's Jinja2 (apt-get install python3-jinja2):  /usr/bin/python3 render_expected.py

The environment below copies transformers' `_compile_jinja_template` (chat_template_utils.py):
ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) with the loopcontrols extension,
its own `tojson` filter (json.dumps, ensure_ascii=False, no HTML escaping), the `raise_exception` and
`strftime_now` globals, and `{% generation %}` rendered as a call block (transparent output, own scope).
The render call copies `render_jinja_template`: messages, tools=None, documents=None,
add_generation_prompt, then the tokenizer's special tokens, then the caller's extra keyword arguments.

Writes:
  expected/<case>.expected.txt        the rendered text of each case in cases.json (UTF-8, as is)
  expected/<case>.expected-error.txt  the exception message, where the template itself fails
  engine-expected.json                {name: {"output": text} or {"error": message}} for engine-cases.json
"""
import json
import pathlib
from datetime import datetime

import jinja2
import jinja2.ext
import jinja2.nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = pathlib.Path(__file__).resolve().parent
SPECIAL_TOKEN_KEYS = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]


class AssistantTracker(jinja2.ext.Extension):
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_generation_support"), [], [], body).set_lineno(lineno)

    def _generation_support(self, caller):
        return caller()


def environment():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return datetime.now().strftime(format)

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[AssistantTracker, jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def token_content(value):
    return value["content"] if isinstance(value, dict) else value


def load_model_dir(model_dir):
    """chat_template.jinja, else chat_template.json, else tokenizer_config.json; special tokens from the
    tokenizer config, as transformers' special_tokens_map has them (set ones only)."""
    config_path = model_dir / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.exists() else {}
    if (model_dir / "chat_template.jinja").exists():
        template = (model_dir / "chat_template.jinja").read_text(encoding="utf-8")
    elif (model_dir / "chat_template.json").exists():
        template = json.loads((model_dir / "chat_template.json").read_text(encoding="utf-8"))["chat_template"]
    else:
        template = config["chat_template"]
        if isinstance(template, list):
            template = {t["name"]: t["template"] for t in template}["default"]
    special = {}
    for key in SPECIAL_TOKEN_KEYS:
        if config.get(key) is not None:
            special[key] = token_content(config[key])
    if config.get("additional_special_tokens"):
        special["additional_special_tokens"] = [token_content(t) for t in config["additional_special_tokens"]]
    return template, special


def render_case(env, case):
    template, special = load_model_dir(HERE / case["model"])
    kwargs = {"tools": None, "documents": None, **special, **case.get("extra", {})}
    return env.from_string(template).render(
        messages=case["messages"], add_generation_prompt=case["add_generation_prompt"], **kwargs
    )


def main():
    env = environment()
    out_dir = HERE / "expected"
    out_dir.mkdir(exist_ok=True)
    for old in out_dir.glob("*.txt"):
        old.unlink()
    cases = json.loads((HERE / "cases.json").read_text(encoding="utf-8"))
    for case in cases:
        try:
            text, suffix = render_case(env, case), "expected.txt"
        except jinja2.exceptions.TemplateError as e:
            text, suffix = e.message, "expected-error.txt"
        (out_dir / f"{case['name']}.{suffix}").write_bytes(text.encode("utf-8"))
        print(f"{case['name']}: {suffix} ({len(text)} chars)")

    results = {}
    for case in json.loads((HERE / "engine-cases.json").read_text(encoding="utf-8")):
        try:
            results[case["name"]] = {"output": env.from_string(case["template"]).render(**case.get("context", {}))}
        except Exception as e:  # the message is what the Java side compares, whatever the Python type
            results[case["name"]] = {"error": str(e)}
    (HERE / "engine-expected.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(f"engine: {len(results)} snippets; Jinja2 {jinja2.__version__}")


if __name__ == "__main__":
    main()
