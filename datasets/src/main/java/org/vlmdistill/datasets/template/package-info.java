/**
 * Hugging Face chat templates, rendered as transformers renders them.
 *
 * <p>Public: {@link org.vlmdistill.datasets.template.ChatTemplate} (parse once, render many),
 * {@link org.vlmdistill.datasets.template.ChatTemplates} (render a conversation with transformers'
 * variables; load a model directory's template), {@link org.vlmdistill.datasets.template.ModelChatTemplate},
 * and the three exceptions.
 *
 * <p>Inside, a small Jinja2: {@code Lexer} (whitespace control as Jinja2's lexer does it) to
 * {@code Token}s, {@code Parser} (Jinja2's grammar and precedence) to {@code Node} statements and
 * {@code Expr} expressions, {@code Interpreter} over {@code Scope}s. Values are plain Java with Python's
 * semantics in {@code Py} (equality, ordering, arithmetic, str/repr, getattr/getitem, slicing),
 * {@code Methods} (str/dict/list methods), {@code Filters}, {@code Tests}, {@code Json} (transformers'
 * tojson), {@code PyFormat} ({@code %} and {@code str.format}), {@code Globals} (range, dict, namespace,
 * raise_exception, strftime_now). Jinja2's {@code Undefined} is {@code Undefined}.
 *
 * <p>Not supported, and refused by name where Jinja has the tag: template inheritance and includes,
 * {@code call} blocks, {@code filter} blocks and filtered {@code set} blocks, recursive loops, autoescape,
 * and the filters listed in {@code Filters}.
 */
package org.vlmdistill.datasets.template;
