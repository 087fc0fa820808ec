"""Open every page of the built documentation in headless Chromium and report broken images and links.

Run after building the docs::

    python scripts/check_docs_html.py docs/_build/html [--chromium /usr/bin/chromium]

Needs ``playwright`` (``pip install playwright``) driving an installed
Chromium (Debian: ``apt-get install chromium``); no browser is downloaded.
Each page is loaded from disk.  A page fails when the browser could not load
one of its images (``naturalWidth`` 0 once loaded), a stylesheet or script
(failed request), or when a link inside the site points to a missing file or
to an anchor that the target page does not have, or when an element runs
past the right edge of the page's content area (a wide table or figure that
does not scroll inside the page), or anywhere on the page (header, sidebars,
footer) past the window's right edge so that the page scrolls sideways, at a
1280 x 900 window.  Links that leave the site
(``http``, ``https``, ``mailto``) are counted, not followed: the check runs
offline.  Exits 1 if anything is broken.
"""
import argparse
import sys
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

from playwright.sync_api import sync_playwright

COLLECT = """() => ({
  images: Array.from(document.images).map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0})),
  links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
  ids: Array.from(document.querySelectorAll('[id], a[name]')).map(e => e.id || e.getAttribute('name')),
})"""


# Elements whose right edge lies beyond the content column, unless a horizontally scrolling
# ancestor inside that column clips them (the theme's scrollable table containers).
TOO_WIDE = """() => {
  const content = document.querySelector('article.bd-article') || document.querySelector('main')
      || document.body;
  const limit = content.getBoundingClientRect().right + 1;
  const wide = [];
  for (const el of content.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= limit) continue;
    let parent = el.parentElement, clipped = false;
    while (parent && parent !== content) {
      const overflow = getComputedStyle(parent).overflowX;
      if (['auto', 'scroll', 'hidden'].includes(overflow) && parent.getBoundingClientRect().right <= limit) {
        clipped = true;
        break;
      }
      parent = parent.parentElement;
    }
    if (!clipped) wide.push(`${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ')[0] : ''}`
                            + ` ${Math.round(box.right - limit)} px too wide`);
  }
  return wide;
}"""


# The same over the whole page: anything past the window's right edge, and a page that scrolls sideways.
PAGE_TOO_WIDE = """() => {
  const limit = document.documentElement.clientWidth + 1;
  const wide = [];
  const overflow = document.documentElement.scrollWidth - document.documentElement.clientWidth;
  if (overflow > 1) wide.push(`the page scrolls sideways by ${overflow} px`);
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= limit) continue;
    let parent = el.parentElement, clipped = false;
    while (parent && parent !== document.body) {
      const style = getComputedStyle(parent);
      if (['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX)
          && parent.getBoundingClientRect().right <= limit) {
        clipped = true;
        break;
      }
      parent = parent.parentElement;
    }
    if (!clipped && getComputedStyle(el).visibility !== 'hidden')
      wide.push(`${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ')[0] : ''}`
                + ` ${Math.round(box.right - limit)} px past the window`);
  }
  return wide;
}"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="the built HTML folder (docs/_build/html)")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="Chromium executable")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    pages = sorted(p for p in root.rglob("*.html") if "_static" not in p.relative_to(root).parts)  # theme templates
    if not pages:
        sys.exit(f"no HTML pages under {root}")
    found, problems, external = {}, [], set()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=["--allow-file-access-from-files"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        failed = []
        page.on("requestfailed", lambda request: failed.append(request.url))
        for path in pages:
            failed.clear()
            page.goto(path.as_uri(), wait_until="load")
            info = page.evaluate(COLLECT)
            found[path] = info
            where = path.relative_to(root)
            problems += [f"{where}: image not loaded: {image['src']}" for image in info["images"] if not image["ok"]]
            problems += [f"{where}: request failed: {url}" for url in failed]
            for check, what in ((TOO_WIDE, "wider than the content area"), (PAGE_TOO_WIDE, "wider than the window")):
                wide = page.evaluate(check)
                if wide:  # the outermost offender is enough to find it
                    problems.append(f"{where}: {what}: {wide[0]}"
                                    + (f" (and {len(wide) - 1} elements inside or beside it)" if len(wide) > 1 else ""))
        browser.close()
    ids = {path: set(info["ids"]) for path, info in found.items()}
    n_links = 0
    for path, info in found.items():
        where = path.relative_to(root)
        for href in info["links"]:
            url, fragment = urldefrag(href)
            parsed = urlparse(url)
            if parsed.scheme != "file":
                external.add(href)
                continue
            n_links += 1
            target = Path(unquote(parsed.path))
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"{where}: link to a missing file: {href}")
            elif fragment and target.suffix == ".html":
                if target not in ids:  # a page outside the crawl (should not happen)
                    problems.append(f"{where}: link outside the site: {href}")
                elif unquote(fragment) not in ids[target]:
                    problems.append(f"{where}: link to a missing anchor: {href}")
    n_images = sum(len(info["images"]) for info in found.values())
    print(f"{len(pages)} pages, {n_images} images, {n_links} links inside the site checked; "
          f"{len(external)} distinct external links not followed (offline)")
    for problem in problems:
        print("BROKEN", problem)
    print("OK: nothing broken" if not problems else f"{len(problems)} broken")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
