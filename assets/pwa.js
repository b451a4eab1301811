// The page side of the installable app: registers the service worker (assets/sw.js) for a
// logged-in user, wipes what the device keeps before logout, and lists on the offline page
// the letters kept for offline reading.
const PREFIX = "naskah-";

async function wipeDevice() {
  if (window.caches) {
    for (const name of await caches.keys()) await caches.delete(name);
  }
  if (window.indexedDB && indexedDB.databases) {
    for (const db of await indexedDB.databases()) {
      if (db.name && db.name.startsWith(PREFIX)) indexedDB.deleteDatabase(db.name);
    }
  }
  const worker = navigator.serviceWorker && navigator.serviceWorker.controller;
  if (worker) worker.postMessage({ type: "naskah:wipe" });
}

async function pendingActions() {
  try {
    return (await window.naskahOffline?.queued?.())?.length || 0;
  } catch {
    return 0;
  }
}

function register() {
  const url = document.body.dataset.sw;
  if (!url || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(url, { scope: "/" }).catch(() => {});
}

// The logout form: wipe first, then log out (the response also sends Clear-Site-Data).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches || !form.matches("form[data-logout]") || form.dataset.wiped) return;
  event.preventDefault();
  const done = () => form.submit();
  pendingActions().then((n) => {
    // Unsent actions are the user's own work: logging out deletes them, so ask first.
    if (n && !window.confirm(form.dataset.pendingConfirm || "")) return;
    form.dataset.wiped = "1";
    wipeDevice().then(done, done);
  });
});

async function listKept(list) {
  if (!window.caches) return;
  const cache = await caches.open("naskah-letters");
  const items = [];
  for (const request of await cache.keys()) {
    const response = await cache.match(request, { ignoreVary: true });
    if (!response) continue;
    const title = new DOMParser().parseFromString(await response.text(), "text/html").title;
    const a = document.createElement("a");
    a.href = new URL(request.url).pathname;
    a.textContent = title || a.href;
    const li = document.createElement("li");
    li.append(a);
    items.push(li);
  }
  if (items.length) list.replaceChildren(...items);
}

document.addEventListener("DOMContentLoaded", () => {
  register();
  const list = document.querySelector("[data-offline-letters]");
  if (list) listKept(list);
});
