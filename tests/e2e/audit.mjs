// What the layout test measures on a page, in the page: horizontal overflow, overlapping
// controls, controls smaller than 44 × 44 px, text contrast below WCAG AA, layout shift; and
// what axe-core finds with the WCAG 2.2 AA tags (target-size included).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/** Call before `page.goto`: collects the page's layout shifts from its first paint. */
export async function watchLayoutShift(page) {
  await page.addInitScript(() => {
    window.__cls = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__cls += entry.value;
    }).observe({ type: "layout-shift", buffered: true });
  });
}

/** Everything our own checks find wrong on the page as it is now. */
export const layoutProblems = (page) => page.evaluate(() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth + 0.5) {
    problems.push(`horizontal overflow: the page is ${root.scrollWidth}px wide in ${window.innerWidth}px`);
  }
  if (window.__cls > 0) problems.push(`layout shift: CLS ${window.__cls.toFixed(4)}`);

  const modal = document.querySelector("dialog[open]");
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    const dialog = el.closest("dialog");
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden" && (!dialog || dialog.open);
  };
  const name = (el) => `${el.tagName.toLowerCase()} "${(el.getAttribute("aria-label") || el.textContent || el.id || "").trim().replace(/\s+/g, " ").slice(0, 40)}"`;
  // With a modal sheet open, the page behind it is inert: only the sheet's controls count.
  let controls = [...document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])')]
    .filter(shown);
  if (modal) controls = controls.filter((el) => modal.contains(el));

  for (const el of controls) {
    const r = el.getBoundingClientRect();
    if (r.width < 43.99 || r.height < 43.99) problems.push(`${name(el)} is ${r.width.toFixed(1)}×${r.height.toFixed(1)}px`);
  }
  // Pinned boxes (the sticky header, the action bar) are compared with each other only: page
  // content scrolls under them by design, and the page keeps room so nothing stays hidden.
  const pinned = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const position = getComputedStyle(e).position;
      if (position === "fixed" || position === "sticky") return true;
    }
    return false;
  };
  for (let i = 0; i < controls.length; i += 1) {
    for (let j = i + 1; j < controls.length; j += 1) {
      const [a, b] = [controls[i], controls[j]];
      if (a.contains(b) || b.contains(a) || pinned(a) !== pinned(b)) continue;
      const [p, q] = [a.getBoundingClientRect(), b.getBoundingClientRect()];
      const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
      const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
      if (w > 1 && h > 1) problems.push(`${name(a)} and ${name(b)} overlap by ${w.toFixed(0)}×${h.toFixed(0)}px`);
    }
  }

  // Contrast of every element that holds text itself, against the background it sits on.
  const rgba = (css) => {
    const m = css.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a), a: 1,
  });
  const luminance = ({ r, g, b }) => {
    const lin = (c) => { const s = c / 255; return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.backgroundImage !== "none") return null; // a picture behind the text: not measured here
      const color = rgba(style.backgroundColor);
      if (color && color.a > 0) {
        layers.push(color);
        if (color.a >= 1) break;
      }
    }
    return layers.reverse().reduce((under, top) => over(top, under), { r: 255, g: 255, b: 255, a: 1 });
  };
  const textHolders = [...document.querySelectorAll("body *")].filter((el) =>
    [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim()) && shown(el)
    && !el.closest(":disabled") && (!modal || modal.contains(el)));
  for (const el of textHolders) {
    const style = getComputedStyle(el);
    const bg = background(el);
    const fg = rgba(style.color);
    if (!bg || !fg) continue;
    const text = over(fg, bg);
    const [l1, l2] = [luminance(text), luminance(bg)].sort((x, y) => y - x);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const needed = large ? 3 : 4.5;
    if (ratio < needed) problems.push(`${name(el)}: contrast ${ratio.toFixed(2)} < ${needed}`);
  }
  return problems;
});

/** What axe-core finds with the WCAG 2.2 AA tags. */
export async function axeProblems(page) {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE);
  // From the top of the page: scrolled down, content passes under the sticky header by design
  // (as the layout check allows), and axe would count a link under it as a target too small.
  await page.evaluate(() => window.scrollTo(0, 0));
  return page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: "tag", values: tags } });
    return result.violations.map((v) => `axe ${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  }, AXE_TAGS);
}
