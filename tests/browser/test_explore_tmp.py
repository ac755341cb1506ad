from hamburg_service.accounts.demo import demo_staff_ensure
AXE = "/work/main/.venv/lib/python3.11/site-packages/axe_playwright_python/axe.min.js"
JS = "async () => { const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa','best-practice']}}); return r.violations.map(v => v.id + ' :: ' + v.nodes.slice(0,4).map(n => n.target.join(' ')).join(' | ')); }"

def test_explore(site, page):
    demo_staff_ensure()
    page.goto(site + "/staff/login/")
    page.fill("#id_username", "administrator"); page.fill("#id_password", "hamburg-demo"); page.press("#id_password", "Enter")
    page.wait_for_url("**/staff/")
    for p in ["/services/anmeldung/", "/locations/kundenzentrum-city/", "/en/locations/kundenzentrum-city/", "/staff/locations/kundenzentrum-city/"]:
        page.goto(site + p)
        page.add_script_tag(path=AXE)
        print(p, page.evaluate(JS), page.eval_on_selector(".breadcrumb a", "e => e.getBoundingClientRect().height"))
