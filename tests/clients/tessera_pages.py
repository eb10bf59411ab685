"""Reading Tessera's server-rendered pages the way a browser does: the forms,
their hidden fields and buttons. Shared by the Python client scripts."""
import html.parser
import sys


def fail(msg, *details):
    print("FAIL:", msg, file=sys.stderr)
    for d in details:
        print(d, file=sys.stderr)
    sys.exit(1)


class Forms(html.parser.HTMLParser):
    """Collects every <form> with its inputs and submit buttons. html.parser
    already unescapes attribute values (&amp; &quot; ...)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._cur = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._cur = {"method": a.get("method", "get").lower(), "action": a.get("action", ""),
                         "inputs": [], "buttons": []}
            self.forms.append(self._cur)
        elif self._cur is not None and tag == "input":
            self._cur["inputs"].append(a)
        elif self._cur is not None and tag == "button":
            self._cur["buttons"].append(a)

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "form":
            self._cur = None


def find_form(resp, action):
    p = Forms()
    p.feed(resp.text)
    matches = [f for f in p.forms if f["action"] == action]
    if len(matches) != 1:
        fail(f"expected exactly one form with action {action!r}, found {len(matches)}",
             f"status {resp.status_code} url {resp.url}", resp.text[:4000])
    form = matches[0]
    if form["method"] != "post":
        fail(f"form {action} is not method=post", form)
    return form


def hidden_fields(form):
    # What a browser submits besides the typed fields: every named hidden input.
    return {i["name"]: i.get("value", "") for i in form["inputs"]
            if i.get("type", "text").lower() == "hidden" and i.get("name")}


def input_types(form):
    return {i.get("name"): i.get("type", "text").lower() for i in form["inputs"] if i.get("name")}


# --- A small element tree, for pages whose elements are found by id and
# class (the strong-authentication pages) rather than by form action alone.

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    def get(self, name, default=None):
        return self.attrs.get(name, default)

    @property
    def classes(self):
        return self.attrs.get("class", "").split()

    def text(self):
        return " ".join("".join(c if isinstance(c, str) else " " + c.text() + " "
                                for c in self.children).split())

    def iter(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.iter()

    def select(self, tag=None, cls=None, **attrs):
        """Descendants by tag, class and attributes (`data_kind="fido2"`
        matches data-kind)."""
        want = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [n for n in self.iter()
                if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)
                and all(n.attrs.get(k) == v for k, v in want.items())]

    def fields(self):
        """What a browser submits for this form without typing: every named
        hidden input."""
        return {i.attrs["name"]: i.get("value", "") for i in self.select("input")
                if i.get("type", "text").lower() == "hidden" and i.get("name")}


class Page(html.parser.HTMLParser):
    """A response's HTML as a tree. html.parser unescapes attribute values."""

    def __init__(self, resp):
        super().__init__(convert_charrefs=True)
        self.resp = resp
        self.root = Node("#document", {}, None)
        self._cur = self.root
        self.feed(resp.text)
        self.close()

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self._cur)
        self._cur.children.append(node)
        if tag not in _VOID:
            self._cur = node

    def handle_startendtag(self, tag, attrs):
        self._cur.children.append(Node(tag, {k: (v if v is not None else "") for k, v in attrs},
                                       self._cur))

    def handle_endtag(self, tag):
        n = self._cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self._cur = n.parent

    def handle_data(self, data):
        self._cur.children.append(data)

    def by_id(self, id_):
        found = self.root.select(id=id_)
        return found[0] if found else None

    def select(self, tag=None, cls=None, **attrs):
        return self.root.select(tag, cls, **attrs)

    def need(self, id_, what=None):
        """The element with `id_`; fails with the page if there is none."""
        n = self.by_id(id_)
        if n is None:
            fail(f"no #{id_} ({what or 'expected'}) on the page", self.summary())
        return n

    def error(self):
        """The text of the page's shown `p.error` (not a `hidden` one that
        a script fills), or None."""
        errs = [p.text() for p in self.select("p", cls="error") if "hidden" not in p.attrs]
        return next((e for e in errs if e), None)

    def h1(self):
        h = self.select("h1")
        return h[0].text() if h else None

    def summary(self):
        r = self.resp
        return (f"status {r.status_code} url {r.url} location {r.headers.get('Location')}\n"
                f"h1 {self.h1()!r} error {self.error()!r}\n{r.text[:3000]}")
