"""The part of the vendored WeUI stylesheet the pages use (issue 18).

The pages are styled by `css/app.css` and use none of WeUI's components (none of its classes in
any template or script, which a test keeps true), yet the whole 184 KB stylesheet blocked the
first render of every page. What the pages do take from it is its base: the reset of html,
body, links, inputs and placeholders, and the colour variables those rules read. `trimmed`
keeps exactly that, from the file as the npm package ships it: the rules whose selectors
name no WeUI component (a selector list loses its component entries), inside `@media` and
`@supports` when something in them is kept, without animations, and only the custom
properties that the kept rules read, directly or through other properties.

`manage.py vendor_css` writes `vendor/weui.base.css` from `vendor/weui.min.css`; a test fails
while the written file differs from what the vendored one gives."""

import re
from dataclasses import dataclass, field

# Selector entries naming a WeUI component (its classes, its theme attribute, its root).
COMPONENT = re.compile(r"weui|wx-")
VARIABLE_USE = re.compile(r"var\(\s*(--[\w-]+)")
DROPPED_AT_RULES = ("@keyframes", "@-webkit-keyframes", "@font-face")


@dataclass
class Rule:
    selectors: list[str]
    declarations: list[str]


@dataclass
class AtRule:
    prelude: str
    children: list = field(default_factory=list)


def _skip_string(css: str, i: int) -> int:
    """The index after the quoted string that starts at `i`."""
    quote, i = css[i], i + 1
    while css[i] != quote:
        i += 2 if css[i] == "\\" else 1
    return i + 1


def _until(css: str, i: int, stops: str) -> int:
    """The index of the first of `stops` at or after `i`, outside strings and parentheses."""
    depth = 0
    while i < len(css):
        char = css[i]
        if char in "\"'":
            i = _skip_string(css, i)
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and char in stops:
            return i
        i += 1
    return i


def _split(text: str, separator: str) -> list[str]:
    parts, i = [], 0
    while i < len(text):
        end = _until(text, i, separator)
        if text[i:end].strip():
            parts.append(text[i:end].strip())
        i = end + 1
    return parts


def parse(css: str, i: int = 0) -> tuple[list, int]:
    """The rules from `i` to the closing brace of the block (or the end) and where it ends."""
    nodes = []
    while True:
        while i < len(css) and css[i].isspace():
            i += 1
        if i >= len(css) or css[i] == "}":
            return nodes, i + 1
        if css.startswith("/*", i):
            i = css.index("*/", i) + 2
            continue
        brace = _until(css, i, "{;")
        prelude = css[i:brace].strip()
        if brace < len(css) and css[brace] == ";":  # @charset, @import
            i = brace + 1
            continue
        if prelude.startswith("@"):
            children, i = parse(css, brace + 1)
            nodes.append(AtRule(prelude, children))
        else:
            end = _until(css, brace + 1, "}")
            nodes.append(Rule(_split(prelude, ","), _split(css[brace + 1 : end], ";")))
            i = end + 1


def _without_components(nodes: list) -> list:
    kept = []
    for node in nodes:
        if isinstance(node, AtRule):
            if node.prelude.startswith(DROPPED_AT_RULES):
                continue
            children = _without_components(node.children)
            if children:
                kept.append(AtRule(node.prelude, children))
            continue
        selectors = [s for s in node.selectors if not COMPONENT.search(s)]
        if selectors:
            kept.append(Rule(selectors, node.declarations))
    return kept


def _rules(nodes: list):
    for node in nodes:
        if isinstance(node, AtRule):
            yield from _rules(node.children)
        else:
            yield node


def _name(declaration: str) -> str:
    return declaration.split(":", 1)[0].strip()


def _used_variables(nodes: list) -> set[str]:
    """Custom properties read by the plain declarations, and by the properties those read."""
    defined: dict[str, list[str]] = {}
    used: set[str] = set()
    for rule in _rules(nodes):
        for declaration in rule.declarations:
            name = _name(declaration)
            if name.startswith("--"):
                defined.setdefault(name, []).append(declaration)
            else:
                used.update(VARIABLE_USE.findall(declaration))
    pending = list(used)
    while pending:
        for declaration in defined.get(pending.pop(), []):
            for name in VARIABLE_USE.findall(declaration):
                if name not in used:
                    used.add(name)
                    pending.append(name)
    return used


def _with_variables(nodes: list, used: set[str]) -> list:
    kept = []
    for node in nodes:
        if isinstance(node, AtRule):
            children = _with_variables(node.children, used)
            if children:
                kept.append(AtRule(node.prelude, children))
            continue
        declarations = [
            d for d in node.declarations if not _name(d).startswith("--") or _name(d) in used
        ]
        if declarations:
            kept.append(Rule(node.selectors, declarations))
    return kept


def _write(nodes: list) -> str:
    out = []
    for node in nodes:
        if isinstance(node, AtRule):
            out.append(f"{node.prelude}{{{_write(node.children)}}}")
        else:
            out.append(f"{','.join(node.selectors)}{{{';'.join(node.declarations)}}}")
    return "".join(out)


def trimmed(css: str) -> str:
    """The base of the stylesheet, under its licence comment (`/*! … */`) and a line naming
    this module."""
    licence = re.match(r"\s*(/\*!.*?\*/)", css, re.S)
    nodes = _without_components(parse(css)[0])
    return (
        (licence.group(1) + "\n" if licence else "")
        + "/* The base rules only, trimmed from weui.min.css by core/vendor_css.py. */\n"
        + _write(_with_variables(nodes, _used_variables(nodes)))
        + "\n"
    )
