"""Screenshots of the chat widget on the demo page, for the README: docs/widget-desktop.png
(1280x800) and docs/widget-phone.png (360x740), taken in Debian's chromium against the real
stack (the harness of tests/test_widget_browser.py). Needs the trained model (`make setup`).

    .venv/bin/python scripts/screenshots.py
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_widget_browser import (  # noqa: E402
    chromium, fresh_page, open_chat, say, start_widget_stack, viewport)

CONVERSATION = [
    ("My lower back has been aching for 3 weeks, about a 6/10, worse when I sit at my desk",
     ("safety",)),
]


def main() -> int:
    model = ROOT / "models" / "intake.tar.gz"
    if not model.exists():
        print("no trained model: run `make setup` first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as workdir:
        stack, web, relay = start_widget_stack(model, Path(workdir))
        driver = chromium()
        try:
            for name, (width, height), mobile in (("desktop", (1280, 800), False),
                                                  ("phone", (360, 740), True)):
                viewport(driver, width, height, mobile=mobile)
                fresh_page(driver, web)
                open_chat(driver)
                for message, expect in CONVERSATION:
                    say(driver, message, expect)
                out = ROOT / "docs" / f"widget-{name}.png"
                driver.save_screenshot(str(out))
                print(f"{out.relative_to(ROOT)} ({width}x{height})")
        finally:
            driver.quit()
            web.stop()
            relay.close()
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
