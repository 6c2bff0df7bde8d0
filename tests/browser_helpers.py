"""Helpers for the Playwright tests: wait until a Streamlit page has fully drawn."""


def wait_for_page(page, with_chart: bool) -> None:
    page.wait_for_selector("h1", timeout=60_000)
    if with_chart:
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    # let Streamlit finish the run (the status widget disappears when idle)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(2000)  # tables and maps paint after the run ends
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.inner_text()
