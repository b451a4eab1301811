// Small progressive enhancements; pages work without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (event) => {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  });
  liveUpdates(document.body);
  typeFields(document);
});

// The compose form: a field only some letter types have (its wrapper's [data-letter-types],
// their codes separated by spaces) shows while one of them is the chosen type (the option's
// data-code); before a type is chosen only those marked [data-shown-untyped] show.
function typeFields(root) {
  const select = root.querySelector("select[data-type-select]");
  if (!select) return;
  const apply = () => {
    const option = select.options[select.selectedIndex];
    const code = (option && option.dataset.code) || "";
    root.querySelectorAll("[data-letter-types]").forEach((el) => {
      const codes = el.dataset.letterTypes.split(" ");
      el.hidden = code ? !codes.includes(code) : !el.hasAttribute("data-shown-untyped");
    });
  };
  select.addEventListener("change", apply);
  apply();
}

// The page's WebSocket: the unread badge, lists that refresh themselves when a matching
// notification arrives ([data-refresh-on="delivery"] for kinds "delivery.*", "*" for all),
// and watched objects ([data-watch-object][data-watch-id]) that refresh when they change.
// Stored notifications are the truth: after a reconnect everything refreshes to catch up.
function liveUpdates(body) {
  const path = body.dataset.wsUrl;
  if (!path || !("WebSocket" in window)) return;
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  let delay = 1000;
  let connectedBefore = false;
  let failures = 0;
  // After two failed attempts in a row (not a page being left) the page says live updates
  // pause; everything else on it works from the server as usual.
  const paused = (on) => {
    document.querySelectorAll("[data-live-paused]").forEach((el) => {
      el.hidden = !on;
    });
  };

  const setBadge = (count) => {
    document.querySelectorAll("[data-unread-badge]").forEach((badge) => {
      badge.textContent = String(count);
      badge.hidden = !count;
    });
  };
  const trigger = (el, name) => {
    if (window.htmx) window.htmx.trigger(el, name);
  };
  const refresh = (kind) => {
    document.querySelectorAll("[data-refresh-on]").forEach((el) => {
      const on = el.dataset.refreshOn;
      if (on === "*" || kind === "*" || kind.startsWith(on + ".")) trigger(el, "naskah:refresh");
    });
  };
  const toast = (text, url) => {
    let region = document.getElementById("toasts");
    if (!region) {
      region = document.createElement("div");
      region.id = "toasts";
      region.setAttribute("aria-live", "polite");
      body.appendChild(region);
    }
    const item = document.createElement(url ? "a" : "p");
    item.className = "toast";
    item.textContent = text; // never innerHTML: the text is data
    if (url && url.startsWith("/") && !url.startsWith("//")) item.href = url;
    region.appendChild(item);
    window.setTimeout(() => item.remove(), 8000);
  };

  // Polling, the fallback when pushes cannot arrive: the server's hello says its channel
  // layer is one process's own (the embedded default: the task worker is another process),
  // or no hello came within a few seconds. Every POLL_MS, while the page is visible, it asks
  // the server (body[data-live-url]) for the unread count and a stamp of each watched object,
  // and refreshes only what changed, as a push would have.
  const POLL_MS = 4000;
  let poller = null;
  let busy = false;
  let lastUnread = null;
  const lastStamps = {};
  const pollOnce = async () => {
    if (busy || document.visibilityState !== "visible" || !body.dataset.liveUrl) return;
    const watched = {};
    document.querySelectorAll("[data-watch-object]").forEach((el) => {
      watched[`${el.dataset.watchObject}:${el.dataset.watchId}`] = true;
    });
    const query = Object.keys(watched).map((w) => `w=${encodeURIComponent(w)}`).join("&");
    busy = true;
    try {
      const response = await fetch(`${body.dataset.liveUrl}?${query}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const state = await response.json();
      if (lastUnread !== null && state.unread !== lastUnread) {
        setBadge(state.unread);
        refresh("*");
      }
      lastUnread = state.unread;
      Object.entries(state.stamps || {}).forEach(([key, stamp]) => {
        if (key in lastStamps && lastStamps[key] !== stamp) {
          const [object, id] = key.split(":");
          const selector = `[data-watch-object="${object}"][data-watch-id="${id}"]`;
          document.querySelectorAll(selector).forEach((el) => trigger(el, "naskah:changed"));
        }
        lastStamps[key] = stamp;
      });
    } catch {
      // offline for a moment: the next round asks again
    } finally {
      busy = false;
    }
  };
  const polling = (on) => {
    body.dataset.livePolling = on ? "on" : "off";
    if (on && !poller) {
      pollOnce();
      poller = window.setInterval(pollOnce, POLL_MS);
    }
    if (!on && poller) {
      window.clearInterval(poller);
      poller = null;
    }
  };
  let helloTimer = null;

  const connect = () => {
    const socket = new WebSocket(`${scheme}//${window.location.host}${path}`);
    window.clearTimeout(helloTimer);
    helloTimer = window.setTimeout(() => polling(true), 5000);
    socket.addEventListener("open", () => {
      delay = 1000;
      failures = 0;
      paused(false);
      document.querySelectorAll("[data-watch-object]").forEach((el) => {
        const id = Number(el.dataset.watchId);
        socket.send(JSON.stringify({ action: "watch", object: el.dataset.watchObject, id }));
      });
      if (connectedBefore) {
        refresh("*");
        document.querySelectorAll("[data-watch-object]").forEach((el) => trigger(el, "naskah:changed"));
      }
      connectedBefore = true;
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.type === "hello") {
        window.clearTimeout(helloTimer);
        setBadge(message.unread);
        polling(message.shared === false);
      }
      if (message.type === "notification") {
        setBadge(message.unread);
        refresh(message.kind);
        toast(message.text, message.url);
      }
      if (message.type === "changed") {
        const selector = `[data-watch-object="${message.object}"][data-watch-id="${message.id}"]`;
        document.querySelectorAll(selector).forEach((el) => trigger(el, "naskah:changed"));
      }
    });
    socket.addEventListener("close", (event) => {
      // 44xx: refused (signed out, another tenant): retrying cannot help.
      if (event.code >= 4400 && event.code < 4500) {
        window.clearTimeout(helloTimer);
        return;
      }
      failures += 1;
      if (failures >= 2) paused(true);
      const wait = delay + Math.random() * delay * 0.5;
      delay = Math.min(delay * 2, 30000);
      window.setTimeout(connect, wait);
    });
  };
  connect();
}
