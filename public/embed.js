// Vitrine's storefront on a merchant's own site. Either
//   <script src="https://shop.example/embed.js" data-collection="tidal-glass" async></script>
// (add data-lite to hide the shop's header), or, with the script on the page once,
//   <vitrine-store collection="tidal-glass" lite></vitrine-store>
// inserts a frame of https://shop.example/embed/tidal-glass, sized to its content. The frame
// and this script speak protocol "vitrine-embed/1" by postMessage, each checking the other's
// origin: the frame tells its height and its purchases ("purchase:created",
// "purchase:paid", with the receipt number only), dispatched on the element as events; the
// host may set a theme with the element's `theme` property ({accent, background, text, font}),
// which the frame checks before applying. The shop only lets sites its merchant listed frame
// it. Docs: docs/embed.md.
(() => {
  "use strict";
  const PROTOCOL = "vitrine-embed/1";
  const script = document.currentScript;
  const shop = new URL(script ? script.src : "/", location.href).origin;
  const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

  class VitrineStore extends HTMLElement {
    connectedCallback() {
      if (this.frame) return;
      const collection = this.getAttribute("collection") || "";
      if (!SLUG.test(collection)) {
        console.warn(`vitrine-store: ${JSON.stringify(collection)} is not a collection`);
        return;
      }
      const url = new URL(`/embed/${collection}`, shop);
      url.searchParams.set("host", location.origin);
      if (this.hasAttribute("lite")) url.searchParams.set("lite", "1");
      const frame = document.createElement("iframe");
      frame.src = url.href;
      frame.title = this.getAttribute("title") || "Shop";
      frame.style.cssText = "display:block;width:100%;border:0;height:600px";
      this.frame = frame;
      this.listener = (event) => this.received(event);
      window.addEventListener("message", this.listener);
      frame.addEventListener("load", () => this.sendTheme());
      this.append(frame);
    }

    disconnectedCallback() {
      window.removeEventListener("message", this.listener);
      this.frame?.remove();
      this.frame = null;
    }

    received(event) {
      if (event.origin !== shop || !this.frame || event.source !== this.frame.contentWindow) return;
      const m = event.data;
      if (!m || typeof m !== "object" || m.protocol !== PROTOCOL) return;
      if (m.type === "resize" && Number.isInteger(m.height) && m.height > 0) {
        this.frame.style.height = `${Math.min(m.height, 100000)}px`;
      } else if ((m.type === "purchase:created" || m.type === "purchase:paid") && typeof m.receipt === "string") {
        this.dispatchEvent(new CustomEvent(m.type, { detail: { receipt: m.receipt }, bubbles: true }));
      }
    }

    set theme(theme) {
      this.themeValue = theme;
      this.sendTheme();
    }

    get theme() {
      return this.themeValue;
    }

    sendTheme() {
      if (!this.themeValue || !this.frame?.contentWindow) return;
      const { accent, background, text, font } = this.themeValue;
      this.frame.contentWindow.postMessage({ protocol: PROTOCOL, type: "theme", accent, background, text, font }, shop);
    }
  }

  if (!customElements.get("vitrine-store")) customElements.define("vitrine-store", VitrineStore);
  if (script && script.dataset.collection) {
    const store = document.createElement("vitrine-store");
    store.setAttribute("collection", script.dataset.collection);
    if (script.hasAttribute("data-lite")) store.setAttribute("lite", "");
    script.after(store);
  }
})();
