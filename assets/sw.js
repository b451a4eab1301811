// The service worker (built into static/vendor/sw.js, served at /sw.js by naskah/pwa.py, which
// puts its configuration in front of it as self.__NASKAH). It keeps the app's shell, and the
// pages a user may read offline: their inbox and calendar, the letters they opened recently.
// It keeps a page only when the server said so (X-Naskah-Offline: store; core/offline.py) and
// never one marked confidential; a list with Rahasia rows is kept as the server's masked copy.
// Every page names its session (X-Naskah-Session): when that changes or ends, all is wiped.
import { cleanupOutdatedCaches, matchPrecache, precacheAndRoute } from "workbox-precaching";
import { NavigationRoute, registerRoute, setCatchHandler } from "workbox-routing";
import { NetworkFirst, NetworkOnly, StaleWhileRevalidate } from "workbox-strategies";
import { ExpirationPlugin } from "workbox-expiration";
import { CacheableResponsePlugin } from "workbox-cacheable-response";
import { DB_NAME, OWNER, OWNER_KEY } from "./lib/queue-store.js";
import "./sw-queue.js";
import "./sw-push.js";

const CONFIG = self.__NASKAH || {
  precache: [],
  offline: "/offline/",
  login: "/accounts/login/",
  lists: [],
  letters: "/letters/",
  static: "/static/",
  branding: [],
};
const STORE = "X-Naskah-Offline";
const CONFIDENTIAL = "X-Naskah-Confidential";
const SESSION = "X-Naskah-Session";
const USER = "X-Naskah-User";
// Who the device's queued actions belong to (kept through a session's end, so that the same
// person logging in again sends them), and the queue's database (lib/queue-store.js).
const QUEUE_DB = DB_NAME;
const COPY = "X-Naskah-Offline-Copy";
const PREFIX = "naskah-"; // every cache and IndexedDB database of the app's data
const LISTS = "naskah-lists";
const LETTERS = "naskah-letters";
const META = "naskah-meta";
const SESSION_KEY = "/__naskah/session";
const NETWORK_TIMEOUT = 4; // seconds before a slow network gives way to the kept copy
const MATCH = { ignoreVary: true };

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "naskah:wipe") event.waitUntil(wipe());
});

// --- the session the kept pages belong to ---
let knownTag; // undefined until read from META; null when none
async function storedTag() {
  if (knownTag === undefined) {
    const hit = await (await caches.open(META)).match(SESSION_KEY);
    knownTag = hit ? await hit.text() : null;
  }
  return knownTag;
}

// Deletes every page kept for offline reading and the app's IndexedDB databases (the shell,
// static files and the offline page, holds no user data and stays). With keepQueue (a session
// ended, the same person may log in again) the actions queued offline and their owner stay:
// they are the user's own unsent work, and are sent only under that user's login.
export async function wipe({ keepQueue = false } = {}) {
  knownTag = null;
  const names = await caches.keys();
  const gone = names.filter((n) => n.startsWith(PREFIX) && !(keepQueue && n === OWNER));
  await Promise.all(gone.map((n) => caches.delete(n)));
  if (self.indexedDB && indexedDB.databases) {
    for (const db of await indexedDB.databases()) {
      if (!db.name || !db.name.startsWith(PREFIX) || (keepQueue && db.name === QUEUE_DB)) continue;
      // not awaited: a page holding the database open must not stall the wipe
      indexedDB.deleteDatabase(db.name);
    }
  }
}

// Another person logged in on this device: nothing of the one before stays, queue included.
async function checkOwner(response) {
  const user = response.headers.get(USER);
  if (!user || user === "-") return;
  const hit = await (await caches.open(OWNER)).match(OWNER_KEY);
  const owner = hit ? await hit.text() : null;
  if (owner === user) return;
  if (owner) await wipe();
  await (await caches.open(OWNER)).put(OWNER_KEY, new Response(user));
}

async function checkSession(response) {
  const tag = response.headers.get(SESSION);
  if (!tag) return; // an opaque redirect or a file: not a page that names a session
  await checkOwner(response);
  const known = await storedTag();
  if (tag === "-") {
    await wipe({ keepQueue: true }); // logged out, expired, or ended elsewhere
    return;
  }
  if (known && known !== tag) await wipe({ keepQueue: true }); // another session
  if (known !== tag) {
    knownTag = tag;
    await (await caches.open(META)).put(SESSION_KEY, new Response(tag));
  }
}

const sessionPlugin = {
  fetchDidSucceed: async ({ response }) => {
    await checkSession(response);
    return response;
  },
};

async function mayKeep(response) {
  if (!response || response.status !== 200 || response.type !== "basic") return false;
  const h = response.headers;
  if (h.get(CONFIDENTIAL) === "1" || h.get(STORE) !== "store") return false;
  const tag = h.get(SESSION);
  return Boolean(tag) && tag !== "-" && tag === (await storedTag());
}

// The server answered that the page may no longer be kept (it became confidential, was
// withdrawn, or is no longer this user's to see): the copy kept before goes too. A server
// error keeps it (that is when the copy is needed).
const FORGET = [200, 401, 403, 404, 410];

async function forget(cacheName, request, response) {
  if (!response || response.type !== "basic" || !FORGET.includes(response.status)) return;
  await (await caches.open(cacheName)).delete(request, MATCH);
}

// What a page's response may leave on the device: itself when the server allows it; for a
// list showing confidential rows, the server's copy with those rows masked; else nothing.
function keepPlugin({ list, cacheName }) {
  return {
    cacheWillUpdate: async ({ request, response }) => {
      if (await mayKeep(response)) return response;
      if (list && response && response.headers.get(CONFIDENTIAL) === "1") {
        try {
          const copy = await fetch(request.url, {
            credentials: "same-origin",
            headers: { [COPY]: "1" },
          });
          if (await mayKeep(copy)) return copy;
        } catch {
          // no masked copy: the unmasked page is not kept either
        }
      }
      await forget(cacheName, request, response);
      return null;
    },
  };
}

// --- routes ---
cleanupOutdatedCaches();
precacheAndRoute(CONFIG.precache);

const own = (url) => url.origin === self.location.origin;
const letterPath = new RegExp(`^${CONFIG.letters.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\d+/$`);

registerRoute(
  ({ request, url }) =>
    own(url) && request.mode === "navigate" && CONFIG.lists.includes(url.pathname),
  new NetworkFirst({
    cacheName: LISTS,
    networkTimeoutSeconds: NETWORK_TIMEOUT,
    matchOptions: MATCH,
    plugins: [
      sessionPlugin,
      keepPlugin({ list: true, cacheName: LISTS }),
      new ExpirationPlugin({ maxEntries: 20, maxAgeSeconds: 14 * 86400 }),
    ],
  }),
);
registerRoute(
  ({ request, url }) => own(url) && request.mode === "navigate" && letterPath.test(url.pathname),
  new NetworkFirst({
    cacheName: LETTERS,
    networkTimeoutSeconds: NETWORK_TIMEOUT,
    matchOptions: MATCH,
    plugins: [
      sessionPlugin,
      keepPlugin({ list: false, cacheName: LETTERS }),
      new ExpirationPlugin({ maxEntries: 30, maxAgeSeconds: 14 * 86400 }),
    ],
  }),
);
// Static files and the tenant's branding: no user data.
registerRoute(
  ({ url }) =>
    own(url) &&
    (url.pathname.startsWith(CONFIG.static) ||
      CONFIG.branding.some((p) => url.pathname.startsWith(p))),
  new StaleWhileRevalidate({
    cacheName: "naskah-static",
    plugins: [
      new CacheableResponsePlugin({ statuses: [200] }),
      new ExpirationPlugin({ maxEntries: 80 }),
    ],
  }),
);
// Every other page: from the network only, the offline page when there is none.
registerRoute(
  new NavigationRoute(new NetworkOnly({ plugins: [sessionPlugin] }), {
    denylist: [/^\/admin\//, /^\/api\//],
  }),
);
setCatchHandler(async ({ request }) => {
  if (request.mode === "navigate") return (await matchPrecache(CONFIG.offline)) || Response.error();
  return Response.error();
});
