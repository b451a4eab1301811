// The device's queue of actions made offline, shared by the pages (offline-queue.js) and the
// service worker (sw-queue.js): one IndexedDB store, and the one way to send it to the server.
// Each item: {id (a fresh UUID), kind, target, version, payload, made_at, csrf, user}; `user`
// is the server's tag of the person who made it (data-offline-user), so that an item is only
// ever sent under that person's login.
import { openDB } from "idb";

export const DB_NAME = "naskah-offline";
export const STORE = "actions";
export const SYNC_TAG = "naskah-actions";
export const ENDPOINT = "/offline/actions/";
const BATCH = 50;
// Who the device's queued actions belong to: the service worker keeps the server's tag of the
// last person logged in (sw.js, checkOwner) in this cache, through a session's end.
export const OWNER = "naskah-owner";
export const OWNER_KEY = "/__naskah/owner";

export async function ownerTag() {
  const hit = await (await caches.open(OWNER)).match(OWNER_KEY);
  return hit ? hit.text() : null;
}

let opened = null;
export function queueDb() {
  opened ??= openDB(DB_NAME, 1, {
    upgrade(db) {
      db.createObjectStore(STORE, { keyPath: "id" });
    },
  });
  return opened;
}

export async function queued() {
  const items = await (await queueDb()).getAll(STORE);
  return items.sort((a, b) => (a.seq || 0) - (b.seq || 0));
}

export async function enqueue(item) {
  const db = await queueDb();
  const tx = db.transaction(STORE, "readwrite");
  // A draft saved again offline: the newest text replaces the one queued before, and keeps
  // the version the first one was made against (the draft has not moved on this device).
  if (item.kind === "draft.save") {
    for (const old of await tx.store.getAll()) {
      if (old.kind === item.kind && String(old.target) === String(item.target)) {
        item.version = old.version;
        await tx.store.delete(old.id);
      }
    }
  }
  await tx.store.put({ ...item, seq: Date.now() + Math.random() });
  await tx.done;
  return item;
}

// Send what is queued. Each answered item leaves the queue (applied, duplicate, conflict or
// refused: the server keeps the outcome); a network error, a CSRF refusal (403) or a lost
// session keeps everything for later. Returns {results} or {kept, reason}.
//
// `user` (the page's tag of who is logged in, or the service worker's owner tag): items another
// person queued on this device are deleted unsent, never sent under this login.
export async function flush(csrf, user) {
  let all = await queued();
  if (user) {
    const db = await queueDb();
    for (const item of all.filter((i) => i.user && i.user !== user)) {
      await db.delete(STORE, item.id);
    }
    all = all.filter((i) => !i.user || i.user === user);
  }
  const items = all.slice(0, BATCH);
  if (!items.length) return { results: [] };
  const token = csrf || items[items.length - 1].csrf;
  const actions = items.map(({ id, kind, target, version, payload, made_at }) => ({
    id,
    kind,
    target,
    version,
    payload,
    made_at,
  }));
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": token || "",
      },
      body: JSON.stringify({ actions }),
    });
  } catch {
    return { kept: items.length, reason: "network" };
  }
  // Not answered by the endpoint (a CSRF refusal, a lost session, a login or second-factor
  // page it was redirected to): everything stays for a later page.
  if (!response.ok || response.redirected) {
    return { kept: items.length, reason: String(response.status) };
  }
  let results;
  try {
    ({ results } = await response.json());
  } catch {
    return { kept: items.length, reason: "answer" };
  }
  const db = await queueDb();
  for (const r of results) await db.delete(STORE, r.id);
  return { results };
}
