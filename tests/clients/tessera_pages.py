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
