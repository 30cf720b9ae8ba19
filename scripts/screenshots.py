"""Screenshots of the chat widget on the demo page, for the README: docs/widget-desktop.png
(1280x800) and docs/widget-phone.png (360x740), taken in Debian's chromium against the real
stack (the harness of tests/test_widget_browser.py). Needs the trained model (`make setup`).

    .venv/bin/python scripts/screenshots.py
    .venv/bin/python scripts/screenshots.py --staff   # docs/staff-queue.png, docs/staff-intake.png

`--staff`: the staff pages after real conversations over the REST channel (the harness of
tests/test_staff_browser.py), signed in as a therapist: the queue and an intake page.
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


#: A conversation for the staff intake page's screenshot: marks of every kind and status.
STAFF_CONVERSATION = [
    "hi",
    "My left shoulder has hurt for 3 weeks, about a 6/10, no numbness. My mom has "
    "fibromyalgia. I'd like pain relief and to sleep better",
    "I take blood thinners",
    "the first one", "Maria Lopez", "555-310-2288", "tuesday or thursday mornings", "no",
    "no insurance", "yes",
]


def staff_main() -> int:
    """docs/staff-queue.png (1280x900) and docs/staff-intake.png (1280x1150), as a therapist
    sees them."""
    from tests.test_staff_browser import intake_ids, sign_in, start_staff_stack

    model = ROOT / "models" / "intake.tar.gz"
    if not model.exists():
        print("no trained model: run `make setup` first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as workdir:
        stack, web, _ = start_staff_stack(model, Path(workdir))
        driver = chromium(1280, 900)
        try:
            sender = stack.new_sender()
            for message in STAFF_CONVERSATION:
                stack.say(sender, message)
            for number in range(3):  # a few more intakes, so the queue looks like one
                other = stack.new_sender()
                for message in ("hi", ["my neck is stiff from my desk job, 2 weeks",
                                       "i just want to relax, work has been stressful",
                                       "tension headaches most days since january"][number],
                                "none of those", "the first one",
                                ["Sam Okafor", "Lee Chen", "Ravi Patel"][number],
                                f"555-400-10{number}0", "weekends", "no", "no", "yes"):
                    stack.say(other, message)
            sign_in(driver, web, "therapist")
            viewport(driver, 1280, 900)
            driver.get(web.url + "/staff/")
            out = ROOT / "docs" / "staff-queue.png"
            driver.save_screenshot(str(out))
            print(f"{out.relative_to(ROOT)} (1280x900)")
            viewport(driver, 1280, 1150)
            driver.get(f"{web.url}/staff/intakes/{intake_ids(stack)[sender]}")
            mark = driver.find_element("css selector", 'mark[data-kind="condition"]')
            driver.execute_script("arguments[0].focus({preventScroll: true})", mark)
            out = ROOT / "docs" / "staff-intake.png"
            driver.save_screenshot(str(out))
            print(f"{out.relative_to(ROOT)} (1280x1150)")
        finally:
            driver.quit()
            web.stop()
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(staff_main() if "--staff" in sys.argv[1:] else main())
