"""Drive the commune picker like a person: type, (search without JS), choose."""

import re


def choose_commune(v, name: str, javascript: bool) -> None:
    v.page.get_by_label("Commune ou code postal").fill(name)
    if not javascript:
        v.page.get_by_role("button", name="Rechercher").click()
        v.check()
    option = v.page.get_by_role("radio", name=re.compile(rf"^{re.escape(name)} \("))
    option.first.wait_for()
    v.check()
    option.first.check()
